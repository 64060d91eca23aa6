"""Pure helpers that turn core records into what the pages show: labels, chips, highlighted HTML.

Nothing here imports streamlit or touches the workspace, so it is cheap to test. Text that
reaches HTML is always escaped; Markdown directives (badges) get their brackets stripped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from claims.agreement import Agreement
from claims.models import AuditEvent, Claim, Match, Origin, ReviewAction, ReviewEvent, Statement, Tier, Verdict

__all__ = [
    "VERDICT_COLORS",
    "TIER_COLORS",
    "STYLE",
    "verdict_label",
    "verdict_badge",
    "tier_badge",
    "badge",
    "percent",
    "format_date",
    "statement_meta",
    "claim_meta",
    "Differences",
    "differences",
    "highlight_html",
    "claim_card_html",
    "statement_html",
    "describe_event",
    "best_same_claim",
    "plural",
    "md_plain",
    "describe_audit",
    "STATUS_COLORS",
]

VERDICT_COLORS: dict[Verdict | None, str] = {
    Verdict.SUPPORTED: "green",
    Verdict.DISPUTED: "red",
    Verdict.UNVERIFIED: "orange",
    None: "gray",
}

TIER_COLORS: dict[Tier, str] = {
    Tier.SAME_CLAIM: "violet",
    Tier.RELATED: "blue",
    Tier.DISTANT: "gray",
}

# One stylesheet for the HTML blocks of the pages; colours are translucent so light and dark
# themes both read well. No "<" inside: st.html's sanitiser drops a <style> whose text has one.
STYLE = """
<style>
.cd-claim-text { font-size: 1.4rem; line-height: 1.4; font-weight: 600; margin: 0.2rem 0 0.6rem 0; }
.cd-context { font-size: 0.95rem; line-height: 1.55; padding: 0.4rem 0.9rem;
              border-left: 3px solid rgba(128, 128, 128, 0.45); }
.cd-context .cd-around { opacity: 0.7; }
.cd-context mark.cd-here { background: rgba(255, 196, 0, 0.35); color: inherit; padding: 0 0.15em;
                           border-radius: 0.2em; }
.cd-statement { font-size: 1.05rem; line-height: 1.5; margin: 0.1rem 0 0.2rem 0; }
mark.cd-diff { background: rgba(255, 75, 75, 0.28); color: inherit; padding: 0 0.12em; border-radius: 0.2em;
               font-weight: 600; }
/* Verdict buttons in their chip colours (shades dark enough for 4.5:1 on white, WCAG AA).
   Streamlit gives each keyed widget the class st-key-KEY. */
[class*="st-key-verdict-supported-"] button { border-color: rgba(30, 123, 62, 0.8); }
[class*="st-key-verdict-supported-"] button * { color: rgb(30, 123, 62) !important; }
[class*="st-key-verdict-supported-"] button:hover { background: rgba(30, 123, 62, 0.1); }
[class*="st-key-verdict-disputed-"] button { border-color: rgba(179, 38, 30, 0.8); }
[class*="st-key-verdict-disputed-"] button * { color: rgb(179, 38, 30) !important; }
[class*="st-key-verdict-disputed-"] button:hover { background: rgba(179, 38, 30, 0.1); }
[class*="st-key-verdict-unverified-"] button { border-color: rgba(154, 91, 0, 0.8); }
[class*="st-key-verdict-unverified-"] button * { color: rgb(154, 91, 0) !important; }
[class*="st-key-verdict-unverified-"] button:hover { background: rgba(154, 91, 0, 0.1); }
/* Captions and shortcut hints: Streamlit fades them below 4.5:1; readable grey instead. */
[data-testid="stCaptionContainer"] { color: rgb(74, 77, 87) !important; opacity: 1 !important; }
[data-testid="stCaptionContainer"] a { color: rgb(21, 88, 170) !important; }
button kbd { opacity: 1 !important; color: rgb(74, 77, 87) !important; }
[data-testid="stSliderThumbValue"] * { color: rgb(150, 30, 45) !important; }
</style>
"""


def verdict_label(verdict: Verdict | str | None) -> str:
    """A verdict as the UI shows it (capitalised); "No verdict" for None."""
    if verdict is None:
        return "No verdict"
    if not isinstance(verdict, Verdict):
        verdict = Verdict.parse(verdict)
    return verdict.label


def _directive_text(text: str) -> str:
    # Brackets would end a Markdown directive early; nothing a badge says needs them.
    return text.replace("[", "(").replace("]", ")").replace("\n", " ")


def badge(label: str, color: str) -> str:
    """A coloured chip as Markdown (``:red-badge[Disputed]``), to join with other Markdown."""
    return f":{color}-badge[{_directive_text(label)}]"


def verdict_badge(verdict: Verdict | None, rating: str | None = None) -> str:
    """The verdict chip; the outlet's own rating word follows when it says more than the verdict."""
    label = verdict_label(verdict)
    if rating and rating.strip().lower() != (verdict.value if verdict else ""):
        label = f"{label} · rated “{rating.strip()}”"
    return badge(label, VERDICT_COLORS[verdict])


def tier_badge(tier: Tier) -> str:
    return badge(tier.value.capitalize(), TIER_COLORS[tier])


def plural(count: int, word: str) -> str:
    """ "1 claim", "2 claims"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def percent(similarity: float) -> str:
    """Cosine similarity as a whole percentage: 0.873 -> "87%"."""
    return f"{round(max(0.0, similarity) * 100)}%"


def format_date(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _md_link(label: str, url: str | None) -> str:
    if not url:
        return label
    safe = url.replace(")", "%29").replace(" ", "%20")
    return f"[{_directive_text(label)}]({safe})"


def md_plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped, so names like "*NSYNC" stay literal."""
    return re.sub(r"([\\`*_{}\[\]<>#|$~])", r"\\\1", text)




def statement_meta(statement: Statement) -> str:
    """Speaker · date · source · link of an earlier statement, as one Markdown caption line."""
    parts = []
    if statement.speaker:
        parts.append(md_plain(statement.speaker))
    if statement.date:
        parts.append(statement.date.isoformat())
    if statement.source:
        parts.append(md_plain(statement.source))
    if statement.origin == Origin.REVIEW and statement.claim_id is not None:
        parts.append(f"reviewed here (claim #{statement.claim_id})")
    if statement.url:
        parts.append(_md_link("open the check ↗", statement.url))
    return " · ".join(parts) or "no details recorded"


def claim_meta(claim: Claim) -> str:
    """Speaker · date · source · document of a claim, as one Markdown line."""
    parts = [f"**{md_plain(claim.speaker)}**" if claim.speaker else "_speaker unknown_"]
    if claim.published:
        parts.append(claim.published.isoformat())
    if claim.source:
        parts.append(md_plain(claim.source))
    parts.append(_md_link(md_plain(claim.document_title), claim.url))
    return " · ".join(parts)


# -- what differs between a claim and an earlier statement ---------------------------------

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
    "dozen": "12", "half": "0.5", "first": "1st", "second": "2nd", "third": "3rd",
    "thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion",
    "percent": "%", "per cent": "%",
}
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
_MONTHS = {m.lower() for m in ("January February March April May June July August September October "
                               "November December").split()}
_TOKEN = re.compile(r"\d+(?:[,.]\d+)*%?|[A-Za-z]+(?:['’][A-Za-z]+)?")


def _key(token: str, at_start: bool = True) -> str | None:
    """The comparable form of a token that carries a number, a date or a negation; None otherwise.

    A capitalised number word inside a sentence is part of a name ("World War Two"), not a count.
    """
    lower = token.lower().replace("’", "'")
    if lower[0].isdigit():
        return lower.replace(",", "")
    if lower.endswith("n't"):
        return "not"
    if lower in _NEGATIONS:
        return "not"
    if lower in _NUMBER_WORDS:
        return _NUMBER_WORDS[lower] if at_start or not token[0].isupper() else None
    if lower in _MONTHS:
        return lower
    return None


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"“‘'(")
    return not before or before[-1] in ".!?:\n"


_INSTRUCTION = re.compile(r"\s+to\b", re.IGNORECASE)


def _token_key(text: str, m: re.Match[str]) -> str | None:
    """The comparable form of the token ``m`` in ``text`` (see :func:`_key`).

    "warned China not to assist Moscow" reports a warning; it does not deny anything, so a "not"
    or "never" before "to" is the content of an instruction, not the polarity of the claim.
    """
    key = _key(m.group(), _starts_sentence(text, m.start()))
    if key == "not" and _INSTRUCTION.match(text, m.end()):
        return None
    return key


def _keys(text: str) -> dict[str, str]:
    """Comparable form -> the words as first written, in the order they appear."""
    found: dict[str, str] = {}
    for m in _TOKEN.finditer(text):
        key = _token_key(text, m)
        if key is not None and key not in found:
            found[key] = m.group()
    return found


@dataclass(frozen=True)
class Differences:
    """Numbers, dates and negations found in only one of the two texts.

    Each side maps the comparable form (``"5"``, ``"not"``) to the word as written (``"five"``,
    ``"hasn't"``), in text order.
    """

    only_in_claim: dict[str, str]
    only_in_statement: dict[str, str]

    def __bool__(self) -> bool:
        return bool(self.only_in_claim or self.only_in_statement)

    def summary(self) -> str:
        """A short Markdown line such as: only the claim says **not**; only the earlier statement says **five**."""
        def words(found: dict[str, str]) -> str:
            return ", ".join(f"**{md_plain(word)}**" for word in found.values())

        parts = []
        if self.only_in_claim:
            parts.append(f"only the claim says {words(self.only_in_claim)}")
        if self.only_in_statement:
            parts.append(f"only the earlier statement says {words(self.only_in_statement)}")
        return "; ".join(parts)


def differences(claim_text: str, statement_text: str) -> Differences:
    """What differs between a claim and an earlier statement in numbers, dates and negation.

    Number words count as their digits ("ten" == "10") and "hasn't" as "not", so a paraphrase
    shows no difference while "five of ten cities" against "none of ten cities" does.
    """
    a, b = _keys(claim_text), _keys(statement_text)
    return Differences({k: w for k, w in a.items() if k not in b}, {k: w for k, w in b.items() if k not in a})


def highlight_html(text: str, keys: Iterable[str] = ()) -> str:
    """``text`` escaped for HTML, with the tokens whose comparable form is in ``keys`` marked."""
    wanted = set(keys)
    if not wanted:
        return html.escape(text)
    out, last = [], 0
    for m in _TOKEN.finditer(text):
        key = _token_key(text, m)
        if key is None or key not in wanted:
            continue
        out.append(html.escape(text[last:m.start()]))
        out.append(f'<mark class="cd-diff">{html.escape(m.group())}</mark>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def claim_card_html(claim: Claim) -> str:
    """The claim in large type, then its context with the claim highlighted in place."""
    before = " ".join(html.escape(s) for s in claim.context_before)
    after = " ".join(html.escape(s) for s in claim.context_after)
    context = ""
    if before or after:
        context = (
            '<div class="cd-context">'
            + (f'<span class="cd-around">{before}</span> ' if before else "")
            + f'<mark class="cd-here">{html.escape(claim.text)}</mark>'
            + (f' <span class="cd-around">{after}</span>' if after else "")
            + "</div>"
        )
    return f'<div class="cd-claim-text">{html.escape(claim.text)}</div>{context}'


def statement_html(text: str, keys: Iterable[str] = ()) -> str:
    return f'<div class="cd-statement">{highlight_html(text, keys)}</div>'


def describe_event(event: ReviewEvent) -> str:
    """One line of a claim's review history, as Markdown."""
    when = format_date(event.created_at) or ""
    who = md_plain(event.reviewer)
    if event.action is ReviewAction.UNDO or event.verdict is None:
        return f"{when} · **{who}** took back their verdict"
    line = f"{when} · **{who}** → {verdict_badge(event.verdict)}"
    if event.note:
        line += f" — {md_plain(event.note)}"
    if event.evidence:
        links = ", ".join(_md_link(f"evidence {i}", url) for i, url in enumerate(event.evidence, start=1))
        line += f" ({links})"
    return line


_AUDIT_WORDS = {"ingested": "ingested it", "matched": "matched it against the archive",
                "undo": "took back their verdict", "exported": "exported it"}


def describe_audit(event: AuditEvent) -> str:
    """One line of a claim's audit trail, as Markdown: when · who · what (verdict, reason, note)."""
    when = format_date(event.at) or ""
    who = md_plain(event.reviewer)
    detail = event.detail
    kind = event.event.value
    if kind in ("label", "adjudicate") and detail.get("verdict"):
        verb = "set the final verdict" if kind == "adjudicate" else "gave"
        line = f"{when} · **{who}** {verb} {verdict_badge(Verdict(detail['verdict']))}"
        words = detail.get("reason") or detail.get("note")
        if words:
            line += f" — {md_plain(str(words))}"
        links = detail.get("evidence") or []
        if links:
            line += " (" + ", ".join(_md_link(f"evidence {i}", url) for i, url in enumerate(links, start=1)) + ")"
        return line
    line = f"{when} · **{who}** {_AUDIT_WORDS.get(kind, kind)}"
    if kind == "matched" and detail.get("statement_id"):
        line += f" (closest: statement #{detail['statement_id']}, {percent(float(detail.get('similarity', 0)))})"
    if kind == "exported" and detail.get("format"):
        line += f" ({md_plain(str(detail['format']))})"
    return line


STATUS_COLORS = {"unreviewed": "gray", "pending": "blue", "disagreement": "orange", "agreed": "green",
                 "adjudicated": "violet"}


def best_same_claim(matches: Iterable[Match]) -> Match | None:
    """The closest same-claim match that carries a verdict: its verdict is the suggestion."""
    for match in matches:
        if match.tier is Tier.SAME_CLAIM and match.statement.verdict is not None:
            return match
    return None



# -- charts and figures of the dashboard and the speaker page ------------------------------


NO_VERDICT = "No verdict"

# Chart colours of the verdicts, the shades of the verdict buttons (4.5:1 on white); one scale for
# every chart, so "Disputed" is the same red everywhere.
VERDICT_CHART_DOMAIN = (Verdict.SUPPORTED.label, Verdict.DISPUTED.label, Verdict.UNVERIFIED.label, NO_VERDICT)
VERDICT_CHART_RANGE = ("rgb(30, 123, 62)", "rgb(179, 38, 30)", "rgb(154, 91, 0)", "rgb(150, 150, 150)")


def speaker_key(name: str | None) -> str:
    """A speaker's name as compared: spacing and case aside ("joe  BIDEN" is "Joe Biden")."""
    return " ".join((name or "").split()).casefold()


def distinct_speakers(*groups: Iterable[str]) -> list[str]:
    """The speakers of several lists, each once (spacing and case aside, first spelling kept), sorted."""
    found: dict[str, str] = {}
    for group in groups:
        for name in group:
            key = speaker_key(name)
            if key:
                found.setdefault(key, " ".join(name.split()))
    return sorted(found.values(), key=lambda name: (name.casefold(), name))


def agreement_figure(agreement: Agreement, measure: str) -> tuple[str, str | None]:
    """Cohen's ``kappa`` or Krippendorff's ``alpha`` (or ``percent`` agreement) for the page: the value
    as text and None, or ``"n/a"`` and why it is undefined."""
    if measure not in ("kappa", "alpha", "percent"):
        raise ValueError(f"unknown agreement measure {measure!r}")
    if agreement.n_items == 0:
        return "n/a", "no claim has verdicts from two reviewers yet"
    if measure == "percent":
        return f"{round((agreement.percent_agreement or 0.0) * 100)}%", None
    if measure == "kappa" and agreement.n_reviewers != 2:
        return "n/a", (f"Cohen's kappa compares exactly two reviewers; {plural(agreement.n_reviewers, 'reviewer')} "
                       "gave verdicts (see alpha)")
    value = agreement.kappa if measure == "kappa" else agreement.alpha
    if value is None:
        if measure == "kappa":
            return "n/a", "undefined: both reviewers gave one and the same verdict to every claim"
        return "n/a", "undefined: every verdict given is the same, so no disagreement is expected by chance"
    return f"{value:.2f}", None


__all__ += ["NO_VERDICT", "VERDICT_CHART_DOMAIN", "VERDICT_CHART_RANGE", "speaker_key", "distinct_speakers",
            "agreement_figure"]
