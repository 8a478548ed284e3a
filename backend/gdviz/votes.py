"""A question's votes: its rounds (vote, discuss, vote again) as the API shows them, and every
answer of a room as the teacher's gradebook reads it (CSV)."""

import csv
import io
import time
from datetime import UTC, datetime
from typing import Any, cast

from .rooms import Answer, QuestionSpec, QuestionView, Round, RoundView, Vote, asked

CSV_COLUMNS = (
    "question",
    "step",
    "prompt",
    "round",
    "student",
    "name",
    "answer",
    "choice",
    "correct",
    "time",
)


def question_view(
    qid: int, spec: QuestionSpec, rounds: list[Round], revealed: bool, full: bool
) -> QuestionView:
    """A question as the API shows it: the answers' distribution (this round's, and every
    round's), the right answer and the "why?" only once revealed, or ``full`` (to the teacher)."""
    if not (revealed or full):
        spec = asked(spec)
        if "texts" in spec:
            spec["texts"] = {lang: asked(text) for lang, text in spec["texts"].items()}
    view = cast(
        QuestionView,
        {"id": qid, **spec, "answers": len(rounds[-1]), "round": len(rounds), "revealed": revealed},
    )
    if revealed or full:
        views = [
            round_view(spec, votes, rounds[i - 1] if i else None) for i, votes in enumerate(rounds)
        ]
        if "counts" in views[-1]:
            view["counts"] = views[-1]["counts"]
        if "points" in views[-1]:
            view["points"] = views[-1]["points"]
        view["rounds"] = views
    return view


def round_view(spec: QuestionSpec, votes: Round, before: Round | None) -> RoundView:
    """One round: its distribution; and who changed their mind since ``before``, to what."""
    out: RoundView = {"answers": len(votes)}
    if spec["kind"] == "choice":
        counts = [0] * len(spec.get("choices", []))
        for vote in votes.values():
            assert isinstance(vote["a"], int)
            counts[vote["a"]] += 1
        out["counts"] = counts
    else:
        out["points"] = [v["a"] for v in votes.values() if isinstance(v["a"], list)]
    if before is not None:
        both = [(before[s]["a"], v["a"]) for s, v in votes.items() if s in before]
        out["kept"] = sum(a == b for a, b in both)
        out["changed"] = len(both) - out["kept"]
        if spec["kind"] == "choice":
            moves: dict[tuple[Any, Any], int] = {}
            for a, b in both:
                if a != b:
                    moves[(a, b)] = moves.get((a, b), 0) + 1
            out["moves"] = [
                {"from": a, "to": b, "students": n} for (a, b), n in sorted(moves.items())
            ]
    return out


def vote(answer: Answer, name: str | None) -> Vote:
    return {"a": answer, "n": name, "t": time.time()}


def answers_csv(questions: list[tuple[int, QuestionSpec, list[Round]]]) -> str:
    """One row per answer, question by question and round by round: the student's id and the
    name they gave, the answer (a choice's index and its words; a point as "w b"), whether it is
    the right one (when the question has one) and when it came (UTC)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for qid, spec, rounds in questions:
        choices = spec.get("choices", [])
        right = spec.get("answer")
        for r, votes in enumerate(rounds, start=1):
            for student, v in votes.items():
                answer = v["a"]
                if isinstance(answer, int):
                    given, words = str(answer), choices[answer] if answer < len(choices) else ""
                    correct = "" if right is None else ("right" if answer == right else "wrong")
                else:
                    given, words, correct = " ".join(f"{x:g}" for x in answer), "", ""
                when = datetime.fromtimestamp(v["t"], UTC).isoformat(timespec="seconds")
                writer.writerow(
                    [
                        qid,
                        spec.get("step", ""),
                        cell(spec["prompt"]),
                        r,
                        student,
                        cell(v["n"] or ""),
                        given,
                        cell(words),
                        correct,
                        when,
                    ]
                )
    return out.getvalue()


def cell(text: str) -> str:
    """A text a spreadsheet shows as text, not as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
