"""Writing a file all or nothing (index/atomic.py)."""

import pytest

from index.atomic import atomic_write, atomic_write_bytes, atomic_write_text


def test_text_and_bytes_replace_the_file(tmp_path):
    path = tmp_path / "out.csv"
    atomic_write_text(path, "a,b\r\n1,2\r\n", newline="")
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"
    atomic_write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_writer_that_raises_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "index.bin"
    path.write_bytes(b"old")

    def half_then_fail(tmp):
        with open(tmp, "wb") as fp:
            fp.write(b"half of the new")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_then_fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.bin"]


def test_a_failed_first_write_leaves_nothing(tmp_path):
    path = tmp_path / "new.json"
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, lambda tmp: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "nowhere" / "x.txt", "x")


def test_stale_temporaries_of_a_killed_writer_are_removed_and_fresh_ones_kept(tmp_path):
    import os
    import time

    from index.atomic import remove_stale_temporaries

    stale, fresh, other = tmp_path / ".statements.faiss.abc.tmp", tmp_path / ".manifest.json.def.tmp", tmp_path / "keep.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert remove_stale_temporaries(tmp_path) == 1
    assert not stale.exists() and fresh.exists() and other.exists()  # only our hidden temporaries, only old ones
