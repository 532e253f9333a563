"""From a completion to its final answer (normalized text), or none when it has none.

Only the response counts: the text after the last ``</think>`` (nothing, while a
``<think>`` is left open), and within it the last ``<answer>...</answer>`` block when there
is one. Policy ``strict``: only the last ``\\boxed{...}`` / ``\\fbox{...}`` counts. Policy
``lenient`` (the default), in order of preference:

1. The last ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces kept; ``\\boxed 5`` too). When
   the completion boxes anything, only boxes count: an empty or unterminated last box
   is no answer, not a cue to guess from the prose. The one exception is an explicit
   answer line *after* the last box (``#### 3``, "Answer: 3", "**Answer:** 3"): the
   completion's last word on its answer is that line, not the box it went back on.
2. The whole completion, when it is short and has no prose (``0.5``, ``$[2, 5)$``).
3. GSM8K's ``#### 42`` line.
4. What follows "the final answer is" / "answer:" on its line, or the display
   (``\\[...\\]``, ``$$...$$``) that follows it on the next lines.
5. A multiple-choice letter, when the gold is one (``(C)``, "option C").
6. The last ``**bold**`` value of the last paragraph.
7. The last number in the completion; when that number is part of inline math
   (``$\\frac{3}{2}$``, ``$x = 2$ or $x = -3$``), that math instead, so a fraction or an
   equation is never read as its last digit.

Hedging: the final answer is the last *group* of boxes, boxes separated only by
punctuation, "and", "or" or a hedge word ("alternatively", "or maybe", "otherwise", ``/``).
A group of several different answers is returned whole in ``Extraction.parts``; ``grade``
scores it as a list of answers, so it can match a gold with as many answers and never a
single one. The fallbacks hedge the same way: two choice letters offered as alternatives in
the last sentence ("C or D"), two bold answers or two numbers joined by "or" ("5 or 7",
"**12** (or **24** ...)").

Fallbacks 3 to 7 read only the last ``TAIL_CHARS`` characters and a box longer than
``MAX_ANSWER_CHARS`` is not read, so a huge completion costs about as much as a short one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from referee_verifiers.formatting import after_thinking
from referee_verifiers.math._normalize import normalize, string_key, strip_math_delimiters

Policy = Literal["lenient", "strict"]

# Fallbacks read only the end of a completion.
TAIL_CHARS = 4096
# A completion this short, with no prose in it, is taken to be the answer itself.
BARE_ANSWER_CHARS = 120
# "The answer is X" captures at most this much of X.
STATED_ANSWER_CHARS = 160
# A boxed answer longer than this is not an answer anyone wrote on purpose.
MAX_ANSWER_CHARS = 2000
# Only this many of the last boxes are considered for the final answer group.
MAX_GROUP_BOXES = 8

_BOXED = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])\s*")
_UNBRACED_TOKEN = re.compile(r"[^\s$]+")
# What may separate two boxes of one answer group: "\boxed{1}, \boxed{2}", "... or \boxed{2}".
_JOINER = re.compile(
    r"[\s,;.:$()\\/|&?]*(?:(?:and|or|vs\.?|versus|maybe|perhaps|otherwise|else"
    r"|\\(?:text|textbf|textit|mathrm|mbox)\{\s*(?:and|or|vs\.?|maybe)\s*\}|\\quad|\\qquad)"
    r"[\s,;.:$()\\/|&?]*)?",
    re.IGNORECASE,
)
# Words that turn two boxes a sentence apart into one hedged answer.
_HEDGE = re.compile(
    r"\b(?:alternatively|or maybe|or possibly|or perhaps|could also be|might also be|"
    r"another possible|either)\b",
    re.IGNORECASE,
)
HEDGE_GAP_CHARS = 200
_GSM8K = re.compile(r"^\s*####\s*(.+?)\s*$", re.MULTILINE)
# "answer is", "answer:", "**Answer**:", and the labels of Chinese and Russian answers.
_ANSWER_LABEL = r"(?:answer(?:\*\*|__)?\s*(?:is|:|=)|答案\s*(?:是|为|:|\uff1a)|ответ\s*:)"
_ANSWER_IS = re.compile(
    _ANSWER_LABEL
    + r"\s*[:\uff1a]?\s*(\$[^$\n]{1,160}\$|[^\n]{1,160}?)\s*(?:[.\u3002]\s|[.\u3002]?\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
# "The answer is\n\\[\n 5\n\\]": the display on the lines after the label is the answer.
_ANSWER_DISPLAY = re.compile(
    _ANSWER_LABEL + r"\s*[:\uff1a]?\s*(?:\\\[(.{1,400}?)\\\]|\$\$(.{1,400}?)\$\$)",
    re.IGNORECASE | re.DOTALL,
)
# A line that opens a new turn the model invented after answering: a base model going on
# with "Question: ..." or a chat template's next message. The answer is before it.
_NEW_TURN = re.compile(
    r"^[ \t]*(?:(?:Question|Problem|Q|Input|Human|User|Instruction)[ \t]*\d*[ \t]*[:\uff1a]"
    r"|<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|user)\|>|</s>)",
    re.MULTILINE,
)
# After a box, words that take it back: an answer stated after them is the final one.
_RETRACTION = re.compile(
    r"\b(?:wait|that'?s (?:wrong|incorrect|not right)|that is (?:wrong|incorrect)|mistake"
    r"|correction|actually|let me re-?check|I made an error)\b",
    re.IGNORECASE,
)
# What is left of a stated answer that was only the opening of a display: no answer.
_ONLY_DELIMITERS = re.compile(r"(?:\\[\[\]()]|\$|\s)*")
# R1-Zero style: the answer block of the response.
_ANSWER_TAG = re.compile(r"<answer>(.*?)(?:</answer>|\Z)", re.DOTALL)
# Inline math in prose: "$x = 2$", "\(\frac{3}{2}\)".
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]{1,200})\$(?!\$)|\\\((.{1,200}?)\\\)")
_CHOICE = re.compile(
    r"(?i:answer|option|choice)\s*(?:is|:)?\s*(?:\*\*)?\(?\s*([A-J])\s*\)?(?![A-Za-z])"
    r"|\(([A-J])\)|\*\*([A-J])\*\*",
)
# A line that starts with an answer label: "Answer: 3", "**Final Answer:** 3", "#### 3",
# "The final answer is 3". Only such a line overrides an earlier box: "the answer is 144"
# inside a remark ("if rotations counted, the answer is 144 instead") does not.
_LABELED_LINE = re.compile(
    r"^[ \t]*(?:\*\*)?[ \t]*(?:(?:final[ \t]+)?answer[ \t]*(?:\*\*)?[ \t]*:|####"
    r"|(?:(?:so|thus|hence|therefore)[ \t,]+)?the[ \t]+(?:final[ \t]+)?answer[ \t]+is)",
    re.IGNORECASE | re.MULTILINE,
)
_BOLD = re.compile(r"\*\*([^*\n]{1,80})\*\*")
# A number in prose, a mixed number ("5 and 1/3", "5 1/3") whole.
_NUMBER = re.compile(r"-?\d+(?:(?: and | )\d+/\d+|(?:,\d{3})*(?:\.\d+)?(?:/\d+)?)")
# Words of three letters or more that are not a LaTeX command nor a math function: prose.
# Any script's letters: "答えは 8 です" is prose too. CJK writes words without spaces, so one
# ideograph or kana is enough.
_WORD = re.compile(r"(?<![\\\w])[^\W\d_]{3,}|[\u3040-\u30ff\u4e00-\u9fff]")
_MATH_WORDS = frozenset(
    {"sqrt", "sin", "cos", "tan", "log", "exp", "frac", "cot", "sec", "csc", "infty", "cup"}
    | {"and", "matrix", "pmatrix", "bmatrix", "vmatrix", "array"}
)
# Around a bold answer in a sentence, what makes it not the answer: another number, or
# words that hedge, negate or make it conditional ("**5**, or possibly 7", "not **5**").
_QUALIFIED = re.compile(
    r"\d|\b(?:not|or|if|unless|otherwise|although|though|but|maybe|perhaps|possibly)\b",
    re.IGNORECASE,
)
# How far into a stated answer a restatement may start: "The final answer is 36".
_RESTATED_WITHIN_CHARS = 24
# Sentence ends: two choice letters within one sentence are one hedged answer.
_SENTENCE_END = re.compile(r"[.!?\n]")
_OR_LETTER = re.compile(r"\b(?:or|maybe)\s+\(?\*{0,2}([A-J])\*{0,2}\)?(?![A-Za-z])")
# What joins two choice letters offered as alternatives: "(C) or (D)", "**C**, though **D**".
_LETTER_JOINER = re.compile(
    r"[\s,;*()]*(?:or|maybe|perhaps|possibly|though|although|but|alternatively)\b[\s,;*()]*",
    re.IGNORECASE,
)
# What joins two alternatives in prose: "5 or 7", "**12** (or **24** with ...".
_OR_BETWEEN = re.compile(
    r"[\s,;(*$]*(?:or|maybe|possibly|perhaps)(?:\s+(?:maybe|possibly|perhaps|even))?[\s*$(]*",
    re.IGNORECASE,
)
_PERCENT_AFTER = re.compile(r"\**\s*(?:\\?%|percent\b)")
_LABEL = re.compile(r"^\s*(?:final\s+)?answer\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Extraction:
    """What a completion answers.

    ``parts`` holds the normalized final answer, or several when the completion hedges (a
    group of different boxed answers, or alternatives a fallback found: see the module's
    docstring); empty when there is no answer. ``source`` names
    where it was found (``boxed``, ``bare``, ``gsm8k``, ``stated``, ``choice``, ``bold``,
    ``last_math``, ``last_number``; ``none`` when nothing was).
    """

    parts: tuple[str, ...]
    source: str

    @property
    def answer(self) -> str | None:
        """The answer as one string (several parts joined by ``", "``), or None."""
        return ", ".join(self.parts) if self.parts else None


_NONE = Extraction((), "none")


def _braced(text: str, start: int) -> tuple[str, int] | None:
    """The brace group opening at ``text[start]`` and the index after it; None if open."""
    depth = 0
    i = start
    end = min(len(text), start + MAX_ANSWER_CHARS)
    while i < end:
        char = text[i]
        if char == "\\":  # an escaped brace, \{ or \}, does not nest
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    return None


def _boxes(text: str) -> list[tuple[int, int, str | None]]:
    """The last boxes as (start, end, raw content); content None when empty or cut off."""
    matches = list(_BOXED.finditer(text))[-MAX_GROUP_BOXES:]
    boxes: list[tuple[int, int, str | None]] = []
    for match in matches:
        if boxes and match.start() < boxes[-1][1]:
            continue  # a box inside a box: the outer one is the answer
        end = match.end()
        if end < len(text) and text[end] == "{":
            group = _braced(text, end)
            if group is None:
                boxes.append((match.start(), len(text), None))
            else:
                boxes.append((match.start(), group[1], group[0].strip() or None))
        else:
            token = _UNBRACED_TOKEN.match(text, end)
            content = token.group(0) if token else None
            boxes.append((match.start(), token.end() if token else end, content))
    return boxes


def last_boxed(text: str) -> str | None:
    """The raw content of the last ``\\boxed``/``\\fbox``, "" when it is empty or cut off.

    None when the text has no box at all.
    """
    boxes = _boxes(text)
    if not boxes:
        return None
    return boxes[-1][2] or ""


def _unbox(content: str) -> str:
    """A box's content without boxes inside it: ``\\boxed{\\boxed{12}}`` is ``12``, and
    ``\\boxed{\\boxed{5} \\text{ or } \\boxed{7}}`` is ``5 \\text{ or } 7``, two answers."""
    for start, end, inner in reversed(_boxes(content)):
        content = content[:start] + (inner or "") + content[end:]
    return content


def _boxed_group(text: str, boxes: list[tuple[int, int, str | None]]) -> Extraction | None:
    if not boxes:
        return None
    last = boxes[-1][2]
    if last is None:
        return _NONE
    parts = [normalize(_unbox(last))]
    keys = {string_key(parts[0])}
    pairs = zip(reversed(boxes[:-1]), reversed(boxes[1:]), strict=True)
    for (_, end, content), (start, _, _) in pairs:
        gap = text[end:start]
        joined = _JOINER.fullmatch(gap) is not None
        if not joined and not (len(gap) <= HEDGE_GAP_CHARS and _HEDGE.search(gap)):
            break
        if content is None:
            continue
        answer = normalize(_unbox(content))
        if answer and string_key(answer) not in keys:
            keys.add(string_key(answer))
            parts.insert(0, answer)
    parts = [p for p in parts if p]
    return Extraction(tuple(parts), "boxed") if parts else _NONE


def _stated(text: str) -> str:
    """What the last "answer is" / "answer:" of ``text`` states, "" when nothing.

    "Final Answer: The final answer is 36." states 36: a statement at the start of the
    captured text is read again, so a label in front of a sentence does not become the
    answer; nor does a sentence around one bold answer. A later "the answer is" in the same
    sentence is a remark ("12; if rotations counted, the answer is 24"), not the answer.
    A display that opens after the label and closes lines later is read whole.
    """
    lines = list(_ANSWER_IS.finditer(text))
    displays = list(_ANSWER_DISPLAY.finditer(text))
    if displays and (not lines or displays[-1].start() >= lines[-1].start()):
        display = displays[-1]
        return normalize(display.group(1) if display.group(1) is not None else display.group(2))
    if not lines:
        return ""
    stated = lines[-1].group(1).strip()
    if stated.startswith("**") and stated.count("**") % 2:  # "**Answer:** ..." closes a bold
        stated = stated[2:]
    answer = stated.strip("*").strip()
    inner = _ANSWER_IS.search(answer + "\n")
    if inner is not None and inner.start() <= _RESTATED_WITHIN_CHARS:
        answer = inner.group(1).strip("*").strip()
    bold = {b.strip() for b in _BOLD.findall(stated)}
    if len(bold) == 1 and _is_prose(answer) and not _QUALIFIED.search(_BOLD.sub(" ", stated)):
        answer = bold.pop()  # "Answer: The class raises **$1,080**."
    if _ONLY_DELIMITERS.fullmatch(answer):
        return ""
    return normalize(strip_math_delimiters(answer))


def _inline_math_group(text: str) -> tuple[int, int, str] | None:
    """The last run of inline math spans joined only by "," / "and" / "or", as (start,
    end, answer): ``$x = 2$ or $x = -3$`` answers ``x = 2, x = -3``. Spans that read as
    prose (``$2 each, making $``) are not math."""
    spans = [
        (m.start(), m.end(), m.group(1) if m.group(1) is not None else m.group(2))
        for m in _INLINE_MATH.finditer(text)
    ]
    spans = [span for span in spans if span[2].strip() and not _is_prose(span[2])]
    if not spans:
        return None
    group = [spans[-1]]
    for earlier in reversed(spans[:-1]):
        if not _JOINER.fullmatch(text[earlier[1] : group[0][0]]):
            break
        group.insert(0, earlier)
    answer = ", ".join(normalize(content) for _, _, content in group)
    return group[0][0], group[-1][1], answer


def _hedged(
    text: str, earlier: re.Match[str] | None, last: re.Match[str], source: str
) -> Extraction:
    """``last`` alone, or with ``earlier`` when an "or" joins them ("5 or 7", "**12** (or
    **24** ...)"): two answers, a hedge."""
    answer = normalize(_LABEL.sub("", last.group(last.lastindex or 0)))
    if earlier is not None and _OR_BETWEEN.fullmatch(text, earlier.end(), last.start()):
        first = normalize(_LABEL.sub("", earlier.group(earlier.lastindex or 0)))
        if first and answer and string_key(first) != string_key(answer):
            # With their percent marks: "1/4 (or 25%)" says one thing twice, not a hedge.
            marked = tuple(
                value + "%" if _PERCENT_AFTER.match(text, match.end()) else value
                for value, match in ((first, earlier), (answer, last))
            )
            return Extraction(marked, source)
    return _single(answer, source)


def _last_number(tail: str) -> Extraction:
    """The last number of ``tail``, or the inline math it is part of."""
    numbers = list(_NUMBER.finditer(tail))
    if not numbers:
        return _NONE
    math = _inline_math_group(tail)
    if math is not None and math[0] <= numbers[-1].start() < math[1]:
        return _single(math[2], "last_math")
    earlier = numbers[-2] if len(numbers) > 1 else None
    return _hedged(tail, earlier, numbers[-1], "last_number")


def _answer_line(text: str) -> Extraction | None:
    """An explicit final-answer line in ``text``: GSM8K ``####`` or "answer is / answer:"."""
    hashes = _GSM8K.findall(text)
    if hashes:
        return _single(normalize(hashes[-1]), "gsm8k")
    stated = _stated(text)
    return _single(stated, "stated") if stated else None


def _final_letters(tail: str) -> tuple[str, ...]:
    """The choice letters of the last sentence that names one: one letter, or several
    when it hedges ("C or D", "**C**, though **D**")."""
    matches = list(_CHOICE.finditer(tail))
    if not matches:
        return ()
    last = matches[-1]
    sentence_end = _SENTENCE_END.search(tail, last.end())
    end = sentence_end.start() if sentence_end else len(tail)
    letters = [next(g for g in last.groups() if g)]
    later = last
    for earlier in reversed(matches[:-1]):
        # Only letters offered as alternatives: "Eliminating (A) and (B), ... is (C)" is C.
        if not _LETTER_JOINER.fullmatch(tail, earlier.end(), later.start()):
            break
        letters.insert(0, next(g for g in earlier.groups() if g))
        later = earlier
    letters += _OR_LETTER.findall(tail, last.end(), end)
    return tuple(dict.fromkeys(letters))


def _is_prose(text: str) -> bool:
    return not all(word.lower() in _MATH_WORDS | {"or"} for word in _WORD.findall(text))


def _looks_bare(text: str) -> bool:
    if len(text) > BARE_ANSWER_CHARS or "\n" in text.strip():
        return False
    return all(word.lower() in _MATH_WORDS for word in _WORD.findall(text))


def _single(answer: str, source: str) -> Extraction:
    return Extraction((answer,), source) if answer else _NONE


def extract(completion: str, *, policy: Policy = "lenient", choice: bool = False) -> Extraction:
    """Find the final answer of ``completion``.

    Args:
        completion: the model's text.
        policy: ``"strict"`` reads boxes only; ``"lenient"`` also the fallbacks above.
        choice: the gold is a multiple-choice letter, so letters like ``(C)`` are answers.

    Examples:
        >>> extract(r"so \\boxed{1} or \\boxed{2}").parts
        ('1', '2')
        >>> extract("The answer is 7.").answer
        '7'
    """
    completion = after_thinking(completion)
    tagged = _ANSWER_TAG.findall(completion)
    if tagged:
        completion = tagged[-1]
    turn = _NEW_TURN.search(completion)
    if turn is not None and turn.start() > 0:
        answered = extract(completion[: turn.start()], policy=policy, choice=choice)
        if answered.parts:
            return answered
    boxes = _boxes(completion)
    boxed = _boxed_group(completion, boxes)
    if boxed is not None and policy == "lenient":
        after = completion[boxes[-1][1] :][-TAIL_CHARS:]
        labels = list(_LABELED_LINE.finditer(after))
        retraction = _RETRACTION.search(after)
        if labels:
            later = _answer_line(after[labels[-1].start() :])
        elif retraction is not None:
            later = _answer_line(after[retraction.end() :])
        else:
            later = None
        if later is None or not later.parts or _is_prose(later.parts[0]):
            return boxed  # "Answer: see above" points back at the box
        return later
    if boxed is not None or policy == "strict":
        return boxed or _NONE
    text = completion.strip()
    if not text:
        return _NONE
    tail = text[-TAIL_CHARS:]
    # An explicit GSM8K marker wins even when the whole completion is just "#### 72".
    hashes = _GSM8K.findall(tail)
    if hashes:
        return _single(normalize(hashes[-1]), "gsm8k")
    if _looks_bare(text):
        return _single(normalize(_LABEL.sub("", text)), "bare")
    stated = _stated(tail)
    if stated:
        return _single(stated, "stated")
    if choice:
        letters = _final_letters(tail)
        if letters:
            return Extraction(letters, "choice")
    last_paragraph = tail.rsplit("\n\n", 1)[-1]
    bold = [b for b in _BOLD.finditer(last_paragraph) if any(c.isdigit() for c in b.group(1))]
    if bold:
        earlier = bold[-2] if len(bold) > 1 else None
        found = _hedged(last_paragraph, earlier, bold[-1], "bold")
        if found.parts:
            return found
    return _last_number(tail)


def extract_answer(completion: str, *, policy: Policy = "lenient") -> str | None:
    """The completion's final answer, normalized; None when there is none.

    Several different answers in the final group of boxes come back joined by ``", "``.

    Examples:
        >>> extract_answer(r"so it is \\boxed{\\frac{1}{2}}.")
        '\\\\frac{1}{2}'
        >>> extract_answer("0.5")
        '0.5'
        >>> extract_answer(r"\\boxed{}") is None
        True
    """
    return extract(completion, policy=policy).answer
