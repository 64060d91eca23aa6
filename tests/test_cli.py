"""The command line: exit codes, exact messages, and that bad input leaves the workspace unchanged."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from claims.cli import main
from claims.store import Store
from claims.workspace import DEMO_ARTICLE, demo_bytes

COMMANDS = ["extract", "ingest", "import-statements", "load-demo", "match", "claims", "label", "undo",
            "sentences", "mark", "export", "rebuild-index", "status"]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    for var in ("CLAIMDESK_DB", "CLAIMDESK_INDEX_DIR", "CLAIMDESK_MODEL_PATH", "CLAIMDESK_REVIEWER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLAIMDESK_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run.db_url = f"sqlite:///{tmp_path / 'data' / 'claimdesk.db'}"
    return run


def rows(run):
    store = Store(run.db_url)
    try:
        return store.count_rows()
    finally:
        store.dispose()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    result = cli(command, "--help")
    assert "Usage: main " + command in result.output or f"Usage: claimdesk {command}" in result.output
    assert len(result.output.splitlines()) > 3


def test_extract_prints_exact_keys_and_offsets(cli, tmp_path):
    text = demo_bytes(DEMO_ARTICLE).decode("utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    out = json.loads(cli("extract", "a.txt", "--json").output)
    assert out and all(set(o) == {"text", "start", "end", "checkworthiness", "is_claim", "speaker"} for o in out)
    assert all(text[o["start"]:o["end"]] == o["text"] for o in out)
    assert all(0.0 <= o["checkworthiness"] <= 1.0 for o in out)
    assert not (tmp_path / "data").exists(), "extract must not create a workspace"


@pytest.mark.slow
def test_ingest_match_label_export_flow(cli, tmp_path):
    (tmp_path / "a.txt").write_bytes(demo_bytes(DEMO_ARTICLE))
    assert cli("load-demo").output.startswith("demo archive: ")
    assert cli("load-demo").output == "demo archive: already imported\n"
    out = cli("ingest", "a.txt", "--source", "Demo", "--date", "2022-03-15").output
    assert "a.txt: ingested document 1" in out and "claims" in out
    assert "already ingested" in cli("ingest", "a.txt", "--source", "Demo", "--date", "2022-03-15").output

    claims = json.loads(cli("claims", "--json").output)
    first = claims[0]["id"]
    assert cli("label", str(first), "disputed", "--reviewer", "ana", "--note", "n1").output == \
        f"claim {first}: disputed by ana\n"
    matches = json.loads(cli("match", claims[0]["text"], "--json", "--top-k", "3").output)
    assert len(matches) == 3
    assert set(matches[0]) >= {"statement_id", "text", "similarity", "verdict", "speaker", "date", "source", "url"}
    assert matches[0]["text"] == claims[0]["text"] and matches[0]["verdict"] == "disputed"

    exported = cli("export").output
    parsed = list(csv.DictReader(io.StringIO(exported)))
    assert len(parsed) == len(claims)
    assert [r["verdict"] for r in parsed if int(r["claim_id"]) == first] == ["disputed"]

    reviews = json.loads(cli("export", "--format", "claimreview").output)
    assert [r["identifier"] for r in reviews] == [f"claimdesk-claim-{first}"]
    assert reviews[0]["reviewRating"]["alternateName"] == "Disputed"

    cli("export", "--out", "v.csv", "--status", "reviewed")
    assert len(list(csv.DictReader((tmp_path / "v.csv").open(encoding="utf-8")))) == 1

    assert "index rebuilt" in cli("rebuild-index").output
    assert "claims reviewed: 1 of" in cli("status").output
    assert cli("undo", str(first), "--reviewer", "ana").output == f"claim {first}: undone; now no verdict\n"

    listing = cli("sentences", "1").output.splitlines()
    assert len(listing) == 21 and listing[0].startswith("#1 ")
    assert cli("mark", str(first), "not-claim", "--reviewer", "ana").output == \
        f"sentence {first}: not a claim (ana)\n"
    assert first not in [c["id"] for c in json.loads(cli("claims", "--json").output)]


BAD_INPUTS = [
    ("empty.txt", b"", "Error: empty.txt: the file is empty"),
    ("binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "Error: binary.txt: this is a binary file"),
    ("latin.txt", "Caf\u00e9 prices rose 5%.\n".encode("latin-1"), "Error: latin.txt, line 1: not valid UTF-8"),
    ("posts.csv", b"title,author\nHello,ann\n", "Error: posts.csv, line 1: no text column"),
    ("posts.jsonl", b'{"text": "Prices rose 5% in 2021."}\n{"text": "broken\n',
     "Error: posts.jsonl, line 2: invalid JSON"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "data", "message"), BAD_INPUTS)
def test_bad_input_exits_1_and_changes_nothing(cli, tmp_path, name, data, message):
    cli("load-demo")
    before = rows(cli)
    (tmp_path / name).write_bytes(data)
    for command in (["ingest", name], ["import-statements", name]):
        result = cli(*command, ok=False)
        assert result.exit_code == 1
        assert result.output.startswith(message), result.output
    assert rows(cli) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "missing.txt"], "Error: missing.txt: no such file"),
        (["ingest", "missing.txt"], "Error: missing.txt: no such file"),
        (["label", "1", "supported"], "Error: say who reviews with --reviewer NAME"),
        (["import-statements", "x.csv", "--verdict-map", "true"], "Error: verdict map entry 'true' must look like"),
    ],
)
def test_usage_errors(cli, tmp_path, args, message):
    (tmp_path / "x.csv").write_text("text\nhello\n")
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output


def test_bad_date_option(cli, tmp_path):
    (tmp_path / "a.txt").write_text("Prices rose 5% in 2021.")
    result = cli("ingest", "a.txt", "--date", "15/03/2022", ok=False)
    assert result.exit_code == 1
    assert result.output == "Error: --date '15/03/2022' is not a date: use YYYY-MM-DD\n"


def test_python_dash_m_works(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "claims", "--help"], capture_output=True, text=True, check=True)
    assert "claimdesk" in out.stdout and "ingest" in out.stdout


@pytest.mark.parametrize("group", [["bench", "retrieval"], ["train", "ranker"]])
def test_subcommands_have_help(cli, group):
    result = cli(*group, "--help")
    assert f"{group[0]} {group[1]} [OPTIONS]" in result.output


@pytest.mark.slow
def test_bench_retrieval_and_train_ranker_commands(cli, tmp_path):
    (tmp_path / "v.tsv").write_text("\tvclaim\ttitle\n0\tBricks of cocaine washed ashore in Florida.\tCocaine?\n"
                                    "1\tWombats herd animals into burrows during fires.\tWombats?\n"
                                    "2\tA dragon flew over a stadium.\tDragon?\n")
    (tmp_path / "q.tsv").write_text("\ttweet_content\n10\tcocaine bricks on Florida beaches — A (@a) May 1, 2020\n"
                                    "11\twombats saving animals from fires — B (@b) May 2, 2020\n")
    (tmp_path / "r.tsv").write_text("10 0 0 1\n11 0 1 1\n")
    files = ["--vclaims", "v.tsv", "--queries", "q.tsv", "--qrels", "r.tsv", "--cache", "c.db"]
    result = json.loads(cli("bench", "retrieval", *files, "--method", "hybrid", "--json").output)
    assert list(result) == ["map@1", "map@3", "map@5", "map@10", "mrr", "p@1", "p@5", "n_queries", "method",
                            "seconds"]
    assert (result["map@1"], result["n_queries"], result["method"]) == (1.0, 2, "hybrid")
    out = cli("train", "ranker", *files, "--out", "r.json", "--name", "tiny").output
    assert out == "r.json: ranker 'tiny' trained on 2 queries\n"
    assert json.loads((tmp_path / "r.json").read_text())["provenance"]["name"] == "tiny"
    bad = cli("bench", "retrieval", "--vclaims", "nope.tsv", "--queries", "q.tsv", "--qrels", "r.tsv", ok=False)
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and "nope.tsv" in bad.output


@pytest.mark.parametrize("group", [["bench", "checkworthiness"], ["train", "detector"]])
def test_detector_subcommands_have_help(cli, group):
    assert f"{group[0]} {group[1]} [OPTIONS]" in cli(*group, "--help").output


@pytest.mark.slow
def test_train_detector_with_feedback_then_bench_and_use_it(cli, tmp_path, monkeypatch):
    from test_detector import tiny_rows

    (tmp_path / "train.tsv").write_text(tiny_rows(0, 24))
    (tmp_path / "dev.tsv").write_text(tiny_rows(100, 6))
    (tmp_path / "a.txt").write_bytes(demo_bytes(DEMO_ARTICLE))
    cli("ingest", "a.txt")
    cli("mark", "2", "claim", "--reviewer", "ana")
    out = cli("train", "detector", "--train", "train.tsv", "--dev", "dev.tsv").output
    assert "detector trained on 48 sentences, 0 in-domain sentences and 1 reviewer calls; dev F1" in out
    trained = tmp_path / "data" / "detector"
    assert (trained / "detector.npz").exists() and (trained / "detector.json").exists()

    shipped = json.loads(cli("bench", "checkworthiness", "--data", "dev.tsv", "--json").output)
    assert list(shipped) == ["f1", "precision", "recall", "threshold", "n"] and shipped["n"] == 12
    heuristic = json.loads(cli("bench", "checkworthiness", "--data", "dev.tsv", "--json", "--heuristic").output)
    assert heuristic["n"] == 12
    monkeypatch.setenv("CLAIMDESK_DETECTOR", str(trained))
    mine = json.loads(cli("bench", "checkworthiness", "--data", "dev.tsv", "--json").output)
    assert mine["f1"] == 1.0  # the tiny detector separates its own kind of sentences perfectly


def test_extract_warns_when_the_detector_weights_are_missing(cli, tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("Unemployment fell to 3.5 percent in 2019.")
    monkeypatch.setenv("CLAIMDESK_DETECTOR", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(main, ["extract", "a.txt", "--json"])  # click keeps stderr apart
    assert result.exit_code == 0
    assert "using the heuristic check-worthiness scores instead" in result.stderr
    assert json.loads(result.stdout)[0]["is_claim"] is True


def test_news_sample_and_news_set_commands(cli, tmp_path):
    from test_newsset import write_articles

    articles = write_articles(tmp_path)
    out = cli("bench", "news-sample", "--articles", str(articles), "--out", "sample.tsv",
              "--articles-drawn", "4", "--per-article", "2", "--seed", "5").output
    assert out == "sample.tsv: 8 sentences from 4 articles\n"
    rows = list(csv.reader((tmp_path / "sample.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert rows[0] == ["article_id", "start", "end", "sha1", "label", "text"] and len(rows) == 9
    with (tmp_path / "labels.tsv").open("w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp, delimiter="\t", lineterminator="\n")
        writer.writerow(rows[0][:5])
        writer.writerows(row[:4] + ["Yes" if any(c.isdigit() for c in row[5]) else "No"] for row in rows[1:])
    # the sample may hold someone's labels by now: it is not overwritten without --force
    again = cli("bench", "news-sample", "--articles", str(articles), "--out", "sample.tsv", ok=False)
    assert again.exit_code == 1 and "sample.tsv exists" in again.output
    assert (tmp_path / "sample.tsv").read_text(encoding="utf-8").count("\n") == 9
    # a second round leaves out the articles already labelled
    cli("bench", "news-sample", "--articles", str(articles), "--out", "more.tsv", "--articles-drawn", "4",
        "--per-article", "2", "--exclude-labelled", "labels.tsv", "--exclude-labelled", "sample.tsv")
    more = list(csv.reader((tmp_path / "more.tsv").open(encoding="utf-8"), delimiter="\t"))[1:]
    assert more and not {r[0] for r in more} & {r[0] for r in rows[1:]}
    out = cli("bench", "news-set", "--articles", str(articles), "--labels", "labels.tsv", "--out", "set").output
    assert "news_train.tsv" in out and "news_dev.tsv" in out
    built = [list(csv.reader((tmp_path / "set" / f"news_{s}.tsv").open(encoding="utf-8"), delimiter="\t"))[1:]
             for s in ("train", "dev")]
    assert sum(len(b) for b in built) == 8


def test_news_set_names_the_bad_label_line(cli, tmp_path):
    from test_newsset import write_articles

    articles = write_articles(tmp_path)
    (tmp_path / "labels.tsv").write_text("article_id\tstart\tend\tsha1\tlabel\nvclaim-pol-77777\t0\t5\tabc\tYes\n",
                                         encoding="utf-8")
    result = cli("bench", "news-set", "--articles", str(articles), "--labels", "labels.tsv", "--out", "set", ok=False)
    assert result.exit_code != 0
    assert "labels.tsv" in result.output and "line 2" in result.output and "vclaim-pol-77777" in result.output
    assert not (tmp_path / "set").exists()
