"""A step's docstring, from the heading and first sentence of its markdown section."""

from __future__ import annotations

import re

from nb2pkg.notebook import HEADING


def step_doc(heading: str | None, section: str, name: str) -> str:
    """The section's heading and first sentence; a bare one-word heading, or a later
    step of the section, is described by the function's own name."""
    purpose = name.replace("_", " ").capitalize() + "."
    if not heading:
        return purpose
    title = _sentence(heading).rstrip(".:")
    body = HEADING.sub("", section, count=1).strip()
    first = _sentence(body.split("\n\n")[0]) if body else ""
    if first:
        return f"{title}.\n\n{first}"
    return f"{title}." if len(title.split()) > 2 else purpose


def _sentence(markdown: str) -> str:
    """Plain text of the first sentence, without markdown marks, at most 200 characters."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # links and images
    text = " ".join(re.sub(r"[*`#>\\]", "", text).split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > 200:
        sentence = sentence[:197].rstrip() + "..."
    return (sentence[:1].upper() + sentence[1:]).replace('"', "'")
