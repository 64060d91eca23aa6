"""The command line: exit codes, exact messages, and that bad input leaves the workspace unchanged."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from claims.cli import main
from conftest import ON_POSTGRES, TEST_PASSWORD, add_test_users, database_url_for
from claims.store import Store
from claims.workspace import DEMO_ARTICLE, demo_bytes

pytestmark = pytest.mark.workspace_db  # the CLI's data folder follows CLAIMDESK_TEST_DB (conftest)

COMMANDS = ["extract", "ingest", "import-statements", "load-demo", "match", "claims", "label", "undo",
            "sentences", "mark", "export", "exports", "adjudicate", "agreement", "history", "users", "users add",
            "users list", "users password", "rebuild-index", "status", "judge", "calibrate"]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    for var in ("CLAIMDESK_DB", "CLAIMDESK_INDEX_DIR", "CLAIMDESK_MODEL_PATH", "CLAIMDESK_REVIEWER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLAIMDESK_DATA", str(tmp_path / "data"))
    url = database_url_for(tmp_path / "data")  # the PostgreSQL pass: the workspace lives in a schema
    if url:
        monkeypatch.setenv("CLAIMDESK_DB", url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run.db_url = url or f"sqlite:///{tmp_path / 'data' / 'claimdesk.db'}"
    store = Store(run.db_url)
    add_test_users(store)  # ana, ben, cai (reviewers), admin (admin): verdicts are signed by users
    store.dispose()
    return run


def rows(run):
    store = Store(run.db_url)
    try:
        return store.count_rows()
    finally:
        store.dispose()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    result = cli(*command.split(), "--help")
    assert "Usage: main " + command in result.output or f"Usage: claimdesk {command}" in result.output
    assert len(result.output.splitlines()) > 3


@pytest.mark.slow  # loads the real model
def test_extract_prints_exact_keys_and_offsets(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMDESK_DATA", str(tmp_path / "fresh"))
    text = demo_bytes(DEMO_ARTICLE).decode("utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    out = json.loads(cli("extract", "a.txt", "--json").output)
    assert out and all(set(o) == {"text", "start", "end", "checkworthiness", "is_claim", "speaker"} for o in out)
    assert all(text[o["start"]:o["end"]] == o["text"] for o in out)
    assert all(0.0 <= o["checkworthiness"] <= 1.0 for o in out)
    assert not (tmp_path / "fresh").exists(), "extract must not create a workspace"


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
    # The seed's contradictions: Zhao's denial in the document (no model needed) and, with the archive,
    # "has not captured any of Ukraine's 10 largest cities" against the archive's "captured five".
    denied = [h for c in claims for h in c["contradictions"] if h["kind"] == "denial"]
    assert denied and all(set(h) >= {"kind", "text"} for h in denied)
    assert not [h for c in claims for h in c["contradictions"] if h["kind"] == "opposite_numbers"]
    full = json.loads(cli("claims", "--json", "--with-archive").output)
    assert [c["id"] for c in full] == [c["id"] for c in claims]
    cities = next(c for c in full if "10 largest cities" in c["text"])
    numbers = [h for h in cities["contradictions"] if h["kind"] == "opposite_numbers"]
    assert len(numbers) == 1 and "captured five" in numbers[0]["text"] and numbers[0]["statement_id"]
    assert all(h in [x for c in full for x in c["contradictions"]] for h in denied)
    refused = cli("claims", "--with-archive", ok=False)
    assert refused.exit_code == 1 and "use it with --json" in refused.output
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


@pytest.mark.slow  # loads the real model
def test_extract_warns_when_the_detector_weights_are_missing(cli, tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("Unemployment fell to 3.5 percent in 2019.")
    monkeypatch.setenv("CLAIMDESK_DETECTOR", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(main, ["extract", "a.txt", "--json"])  # click keeps stderr apart
    assert result.exit_code == 0
    assert "using the heuristic check-worthiness scores instead" in result.stderr
    assert json.loads(result.stdout)[0]["is_claim"] is True


HUGE = str(2**63)  # one past the largest 64-bit id


@pytest.mark.parametrize("args, message", [
    (["label", HUGE, "disputed", "--reviewer", "ana"], f"Error: no claim with id {HUGE}"),
    (["undo", HUGE, "--reviewer", "ana"], f"Error: no claim with id {HUGE}"),
    (["claims", "--document", HUGE], f"Error: no document with id {HUGE}"),
    (["sentences", HUGE], f"Error: no document with id {HUGE}"),
    (["mark", HUGE, "claim", "--reviewer", "ana"], f"Error: no sentence with id {HUGE}"),
    (["label", "0", "disputed", "--reviewer", "ana"], "Error: no claim with id 0"),
    (["claims", "--document", "-5"], "Error: no document with id -5"),
])
def test_ids_beyond_64_bits_are_an_error_not_a_traceback(cli, args, message):
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert "Traceback" not in result.output


def test_extract_opens_no_database_and_honours_the_global_model_path(cli, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Inflation hit 9 percent in June, the ministry said.\n", encoding="utf-8")
    result = cli("--model-path", str(tmp_path / "no-model-here"), "extract", str(article), ok=False)
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert "no-model-here" in result.output  # the override reached the model loader


def test_status_of_an_empty_workspace(cli):
    out = cli("status").output.splitlines()
    assert out[0].startswith("database: postgresql" if ON_POSTGRES else "database: sqlite:///")
    assert out[2:] == ["documents 0, sentences 0, earlier statements 0, review events 0",
                       "claims reviewed: 0 of 0",
                       "\"same claim?\" answers: 0 (claimdesk calibrate proposes thresholds from them)"]


def test_exports_of_an_empty_workspace(cli):
    assert cli("exports").output == "no exports yet\n"
    assert cli("exports", "--json").output.strip() == "[]"


def test_users_add_list_and_refuse_unknown_names(cli):
    result = cli("users", "add", "Eve Moss", "--role", "admin", ok=False)
    assert result.exit_code == 1 and "a password needs at least 8 characters" in result.output  # empty stdin
    runner_input = "s3cret-enough\n"
    out = CliRunner().invoke(main, ["users", "add", "Eve Moss", "--role", "admin"], input=runner_input)
    assert out.exit_code == 0 and out.output.strip() == "user Eve Moss added (admin)"
    again = CliRunner().invoke(main, ["users", "add", "Eve Moss"], input=runner_input)
    assert again.exit_code == 1 and again.output.strip() == "Error: a user named 'Eve Moss' exists already"
    listed = json.loads(cli("users", "list", "--json").output)
    assert {(u["name"], u["role"]) for u in listed} >= {("Eve Moss", "admin"), ("ana", "reviewer")}
    bad = CliRunner().invoke(main, ["users", "add", "x\ny"], input=runner_input)
    assert bad.exit_code == 1 and "control or invisible characters" in bad.output


@pytest.mark.slow  # ingests with the real model
def test_label_needs_a_user_and_adjudicate_needs_an_admin(cli, tmp_path):
    article = tmp_path / "a.txt"
    article.write_bytes(demo_bytes(DEMO_ARTICLE))
    cli("ingest", str(article), "--as", "admin")
    claim_id = json.loads(cli("claims", "--json").output)[0]["id"]
    stranger = cli("label", str(claim_id), "disputed", "--reviewer", "Somebody Else", ok=False)
    assert stranger.exit_code == 1
    assert stranger.output.strip() == ("Error: 'Somebody Else' is not a user of this workspace "
                                       "(an admin adds one with: claimdesk users add NAME --role reviewer)")
    cli("label", str(claim_id), "disputed", "--reviewer", "ana", "--note", "=HYPERLINK(1)")
    refused = cli("adjudicate", str(claim_id), "supported", "--reviewer", "ben", "--reason", "x", ok=False)
    assert refused.output.strip() == "Error: only an admin may adjudicate; ben is a reviewer"
    no_reason = cli("adjudicate", str(claim_id), "supported", "--reviewer", "admin", ok=False)
    assert no_reason.output.strip() == "Error: an adjudication needs a reason (--reason TEXT)"
    done = cli("adjudicate", str(claim_id), "supported", "--reviewer", "admin", "--reason", "the readout says so")
    assert done.output.strip() == f"claim {claim_id}: final verdict supported by admin"
    cli("export", "--out", str(tmp_path / "v.csv"), "--as", "ana")
    history = json.loads(cli("history", str(claim_id), "--json").output)
    assert [e["event"] for e in history] == ["ingested", "matched", "label", "adjudicate", "exported"]
    assert [e["reviewer"] for e in history] == ["admin", "admin", "ana", "admin", "ana"]
    assert history[3]["reason"] == "the readout says so" and history[4]["format"] == "csv"
    assert all(e["at"].endswith("Z") for e in history)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "v.csv").read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["claim_id"] == str(claim_id))
    assert (row["verdict"], row["status"]) == ("supported", "adjudicated")
    assert row["reviewer_verdicts"].startswith("ana · disputed · ") and row["reviewer_verdicts"].endswith(" · =HYPERLINK(1)")
    only = cli("export", "--format", "jsonl", "--reviewer", "ana").output.splitlines()
    assert [json.loads(line)["claim_id"] for line in only] == [claim_id]
    assert cli("export", "--since", "2999-01-01", "--format", "jsonl").output == ""
    bad_day = cli("export", "--since", "yesterday", ok=False)
    assert bad_day.output.strip() == "Error: --since 'yesterday' is not a date: use YYYY-MM-DD"
    # the exports, newest first; the empty one (nothing since 2999) and the refused one are not among them
    exports = json.loads(cli("exports", "--json").output)
    assert [(e["format"], e["claims"]) for e in exports] == [("jsonl", 1), ("csv", len(rows))]
    assert exports[1]["actor"] == "ana" and all(e["at"].endswith("Z") for e in exports)
    listed = cli("exports", "--limit", "1").output.splitlines()
    assert len(listed) == 1 and "jsonl" in listed[0] and listed[0].split()[2:4] == ["1", "claim"]
    assert cli("exports", "--limit", "0", ok=False).exit_code == 2


@pytest.mark.slow
def test_agreement_of_two_reviewers(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMDESK_REVIEWS_PER_CLAIM", "2")
    article = tmp_path / "a.txt"
    article.write_bytes(demo_bytes(DEMO_ARTICLE))
    cli("ingest", str(article))
    ids = [c["id"] for c in json.loads(cli("claims", "--json").output)][:4]
    for claim_id, (a, b) in zip(ids, [("supported", "supported"), ("disputed", "disputed"),
                                      ("disputed", "supported"), ("unverified", "unverified")]):
        cli("label", str(claim_id), a, "--reviewer", "ana")
        cli("label", str(claim_id), b, "--reviewer", "ben")
    result = json.loads(cli("agreement", "--json").output)
    assert (result["n_items"], result["n_reviewers"]) == (4, 2)
    assert result["percent_agreement"] == 0.75
    assert 0 < result["kappa"] < 1 and result["alpha"] is not None
    assert list(result["by_document"].values())[0]["n_items"] == 4
    disagreement = json.loads(cli("claims", "--json").output)
    assert [c["verdict"] for c in disagreement[:4]] == ["supported", "disputed", None, "unverified"]


# -- "same claim?" answers and calibrate ------------------------------------------------------------


def seed_answers(cli, tmp_path, scores):
    """The demo article matched with the hash embedder (no model) in the CLI's workspace, then one
    stored answer per ``(probability, same)``, each on its own card; returns the first claim's id."""
    from conftest import HashEmbedder

    from claims.models import Tier
    from claims.settings import load_settings
    from claims.workspace import Workspace

    ws = Workspace(load_settings({"db_url": cli.db_url, "index_dir": str(tmp_path / "hash-index")}, environ={}),
                   embedder=HashEmbedder())
    try:
        ws.load_demo_archive()
        claim_id = ws.ingest_demo_article()[0].document.id and ws.list_claims()[0].id
        with ws.store.transaction() as conn:
            for i, (p, same) in enumerate(scores):
                ws.store.judgements.record(conn, claim_id=claim_id, statement_id=i + 1, reviewer="ana", same=same,
                                           tier=Tier.SAME_CLAIM if p >= 0.5 else Tier.RELATED, probability=p,
                                           cosine=p)
    finally:
        ws.close()
    return claim_id


def test_calibrate_proposes_a_threshold_from_stored_answers(cli, tmp_path):
    # 40 answers: P = 0.025 … 1.0, "yes" from 0.6 on, and one "no" at 0.8.
    scores = [((i + 1) / 40, (i + 1) / 40 >= 0.6 and i + 1 != 32) for i in range(40)]
    seed_answers(cli, tmp_path, scores)
    out = cli("calibrate").output
    lines = out.splitlines()
    assert lines[0] == "\"Same claim?\" answers by the tier the card showed (40 answers, 1 reviewer; " \
                       "each reviewer's latest per card):"
    assert lines[2] == "  same claim         21    16      0.762"
    assert lines[3] == "  related            19     0      0.000"
    assert "Thresholds on P(same claim) over 40 answers (16 yes); now CLAIMDESK_SAME_CLAIM_P=" in out
    assert "     0.8250            8      1.000   0.500            0.0%  <- proposed" in lines
    assert lines[-1] == ("Set CLAIMDESK_SAME_CLAIM_P=0.825: on these 40 answers, precision 1.00, recall 50.0%, "
                         "and 0% of the \"no\" answers called same claim.")
    result = json.loads(cli("calibrate", "--json", "--target", "0.9").output)
    assert (result["threshold"], result["setting"], result["answers"], result["yes"]) == (
        0.6, "CLAIMDESK_SAME_CLAIM_P", 40, 16)
    assert result["precision"] == round(16 / 17, 4) and result["recall"] == 1.0
    assert result["false_same_rate"] == round(1 / 24, 4)
    assert [t["tier"] for t in result["by_tier"]] == ["same claim", "related", "distant"]
    assert result["by_threshold"][0]["threshold"] == 0.025
    cosine = json.loads(cli("calibrate", "--json", "--rule", "cosine").output)
    assert cosine["setting"] == "CLAIMDESK_SAME_CLAIM" and cosine["current"] == 0.65


def test_calibrate_refuses_too_few_answers_without_loading_the_model(cli, tmp_path):
    seed_answers(cli, tmp_path, [(0.9, True)] * 12)
    result = cli("calibrate", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: calibrating needs at least 30 \"same claim?\" answers on cards scored by the verifier's "
        "P(same claim); there are 12, so 18 more are needed (Yes / No on the Review page's earlier-statement "
        "cards, or claimdesk judge)")
    assert json.loads(cli("calibrate", "--min-answers", "12", "--json").output)["threshold"] == 0.9
    bad = cli("calibrate", "--target", "1.5", ok=False)
    assert bad.exit_code == 2 and "1.5 is not in the range" in bad.output


@pytest.mark.parametrize("args, message", [
    (["judge", "1", "2", "yes"], "Error: say who answers with --reviewer NAME (or set CLAIMDESK_REVIEWER)"),
    (["judge", "1", "2", "yes", "--reviewer", "mallory"], "Error: 'mallory' is not a user of this workspace"),
    (["judge", HUGE, "2", "no", "--reviewer", "ana"], f"Error: no claim with id {HUGE}"),
    (["judge", "5", "0", "no", "--reviewer", "ana"], "Error: no earlier statement with id 0"),
    (["judge", "5", "2", "no", "--reviewer", "ana"], "Error: no claim with id 5"),
])
def test_judge_refuses_before_any_matching(cli, args, message):
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output


def test_judge_takes_yes_or_no_only(cli):
    result = cli("judge", "1", "2", "maybe", "--reviewer", "ana", ok=False)
    assert result.exit_code == 2 and "'maybe' is not one of 'yes', 'no'" in result.output


@pytest.mark.slow  # matches with the real model
def test_judge_records_the_card_as_shown(cli, tmp_path):
    article = tmp_path / "a.txt"
    article.write_bytes(demo_bytes(DEMO_ARTICLE))
    cli("load-demo")
    cli("ingest", str(article))
    claim = json.loads(cli("claims", "--json").output)[0]
    shown = json.loads(cli("match", claim["text"], "--json", "--top-k", "1").output)[0]
    out = cli("judge", str(claim["id"]), str(shown["statement_id"]), "YES", "--reviewer", "ana").output
    cli("judge", str(claim["id"]), str(shown["statement_id"]), "no", "--reviewer", "ben")
    store = Store(cli.db_url)
    try:
        answers = store.judgements.latest()
    finally:
        store.dispose()
    assert [(j.reviewer, j.same, j.statement_id) for j in answers] == [("ana", True, shown["statement_id"]),
                                                                       ("ben", False, shown["statement_id"])]
    ana = answers[0]
    assert ana.cosine == pytest.approx(shown["similarity"], abs=1e-3)  # its tier may weigh the claim's speaker
    probability = f", P(same claim) {ana.probability:.2f}" if ana.probability is not None else ""
    assert out == (f"claim {claim['id']}, statement {shown['statement_id']}: same claim by ana (the card said "
                   f"{ana.tier.value}, cosine {ana.cosine:.3f}{probability})\n")
    assert "\"same claim?\" answers: 2 " in cli("status").output


@pytest.mark.slow
def test_import_takes_several_files_and_a_rerun_skips_those_already_in(cli, tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "The toll doubled in 2019.", "rating": "False"}\n', encoding="utf-8")
    (tmp_path / "b.csv").write_text("text,rating\nThe bridge cost 40 million dollars.,wobbly\n", encoding="utf-8")
    first = cli("import-statements", "a.jsonl", "b.csv").output.splitlines()
    assert first[0] == "a.jsonl: 1 statements added, 0 already in the archive"
    assert first[1] == "b.csv: 1 statements added, 0 already in the archive"
    again = cli("import-statements", "a.jsonl", "b.csv").output.splitlines()
    assert again[:2] == ["a.jsonl: already imported (same content), skipped",
                         "b.csv: already imported (same content), skipped"]
    mapped = cli("import-statements", "b.csv", "--verdict-map", "wobbly=disputed").output.splitlines()
    assert mapped[0] == "b.csv: 0 statements added, 1 already in the archive (1 given a verdict they lacked)"
