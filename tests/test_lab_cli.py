"""The lab's commands as ``claimdesk`` runs them: found through the ``claimdesk.commands`` entry points,
absent without them, and each ``bench`` and ``train`` command with its exit codes and messages."""

import csv
import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

import claims.cli
from claims.workspace import DEMO_ARTICLE, demo_bytes
from test_checkworthiness import tiny_rows
from test_cli import cli  # noqa: F401  (the fixture)
from test_newsset import write_articles


def test_the_lab_registers_bench_and_train(cli):
    registered = {entry.name: entry.value for entry in entry_points(group="claimdesk.commands")}
    assert registered == {"bench": "lab.cli:bench_group", "train": "lab.cli:train_group",
                          "db": "claims.dbcli:db_group"}
    listed = [line.split()[0] for line in cli("--help").output.split("Commands:\n")[1].splitlines()]
    assert {"bench", "train", "extract", "ingest"} <= set(listed) and listed == sorted(listed)


def test_without_the_lab_the_commands_are_absent(cli, monkeypatch):
    monkeypatch.setattr(claims.cli, "entry_points", lambda group: [])
    result = cli("bench", "--help", ok=False)
    assert result.exit_code == 2 and "No such command 'bench'" in result.output
    assert "bench" not in cli("--help").output


def test_the_product_does_not_import_the_lab():
    code = ("import sys, claims.cli, claims.workspace; from click.testing import CliRunner; "
            "assert CliRunner().invoke(claims.cli.main, ['extract', '--help']).exit_code == 0; "
            "print(sorted(m for m in sys.modules if m == 'lab' or m.startswith('lab.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("group", [["bench", "retrieval"], ["bench", "tiers"], ["train", "ranker"]])
def test_subcommands_have_help(cli, group):
    result = cli(*group, "--help")
    assert f"{group[0]} {group[1]} [OPTIONS]" in result.output


@pytest.mark.parametrize("command", ["retrieval", "tiers"])
def test_bench_commands_name_a_missing_file_before_loading_the_model(cli, tmp_path, command):
    (tmp_path / "q.tsv").write_text("\ttweet_content\n10\tcocaine\n")
    (tmp_path / "r.tsv").write_text("10 0 0 1\n")
    bad = cli("bench", command, "--vclaims", "nope.tsv", "--queries", "q.tsv", "--qrels", "r.tsv", ok=False)
    assert bad.exit_code == 1 and bad.output == "Error: nope.tsv: no such file\n"


def test_bench_tiers_has_no_rerank(cli, tmp_path):
    for name in ("v.tsv", "q.tsv", "r.tsv"):
        (tmp_path / name).write_text("x\n")
    bad = cli("bench", "tiers", "--vclaims", "v.tsv", "--queries", "q.tsv", "--qrels", "r.tsv", "--method", "rerank",
              ok=False)
    assert bad.exit_code == 1
    assert bad.output == ("Error: tiers are decided by the verifier or by the cosine: use --method product, "
                          "hybrid or dense\n")


@pytest.mark.slow
def test_bench_retrieval_tiers_and_train_ranker_commands(cli, tmp_path):
    (tmp_path / "v.tsv").write_text("\tvclaim\ttitle\n0\tBricks of cocaine washed ashore in Florida.\tCocaine?\n"
                                    "1\tWombats herd animals into burrows during fires.\tWombats?\n"
                                    "2\tA dragon flew over a stadium.\tDragon?\n")
    (tmp_path / "q.tsv").write_text("\ttweet_content\n10\tcocaine bricks on Florida beaches — A (@a) May 1, 2020\n"
                                    "11\twombats saving animals from fires — B (@b) May 2, 2020\n")
    (tmp_path / "r.tsv").write_text("10 0 0 1\n11 0 1 1\n")
    files = ["--vclaims", "v.tsv", "--queries", "q.tsv", "--qrels", "r.tsv", "--workspace", "ws"]
    result = json.loads(cli("bench", "retrieval", *files, "--method", "hybrid", "--json").output)
    assert list(result) == ["map@1", "map@3", "map@5", "mrr", "p@1", "n_queries", "method", "top_k", "seconds"]
    assert (result["map@1"], result["n_queries"], result["method"]) == (1.0, 2, "hybrid")
    tiers = json.loads(cli("bench", "tiers", *files, "--json").output)
    assert {"threshold", "precision", "recall", "false_same_rate", "by_threshold"} <= set(tiers)
    assert all(set(row) >= {"threshold", "precision", "recall", "false_same_rate"} for row in tiers["by_threshold"])
    text = cli("bench", "tiers", *files, "--method", "hybrid", "--threshold", "0.5").output
    assert text.startswith("hybrid on 2 queries, each with and without its gold; same claim decided on the cosine; official qrels\n")
    assert "  at 0.50: precision" in text
    out = cli("train", "ranker", *files[:6], "--cache", "ws.db", "--out", "r.json", "--name", "tiny").output
    assert out == "r.json: ranker 'tiny' trained on 2 queries\n"
    assert json.loads((tmp_path / "r.json").read_text())["provenance"]["name"] == "tiny"
    assert (tmp_path / "ws" / "bench.db").exists()  # --cache ws.db is the workspace of the bench commands
    bad = cli("bench", "retrieval", "--vclaims", "nope.tsv", "--queries", "q.tsv", "--qrels", "r.tsv", ok=False)
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and "nope.tsv" in bad.output


@pytest.mark.parametrize("group", [["bench", "checkworthiness"], ["train", "detector"]])
def test_detector_subcommands_have_help(cli, group):
    assert f"{group[0]} {group[1]} [OPTIONS]" in cli(*group, "--help").output


@pytest.mark.slow
def test_train_detector_with_feedback_then_bench_and_use_it(cli, tmp_path, monkeypatch):
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


def test_news_sample_and_news_set_commands(cli, tmp_path):
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
    articles = write_articles(tmp_path)
    (tmp_path / "labels.tsv").write_text("article_id\tstart\tend\tsha1\tlabel\nvclaim-pol-77777\t0\t5\tabc\tYes\n",
                                         encoding="utf-8")
    result = cli("bench", "news-set", "--articles", str(articles), "--labels", "labels.tsv", "--out", "set", ok=False)
    assert result.exit_code != 0
    assert "labels.tsv" in result.output and "line 2" in result.output and "vclaim-pol-77777" in result.output
    assert not (tmp_path / "set").exists()
