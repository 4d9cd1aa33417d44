"""Problems found in segment criteria, each with its location."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

__all__ = ["CriteriaError", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the criteria.

    `location` is a rule path such as `match.all[1].any[0]` for a rule document, or
    `row 1, column 17` for SOQL text (the row and column Salesforce would report).
    `suggestion` is a close match for a misspelt field or picklist value.
    """

    location: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.suggestion is not None:
            text += f"; did you mean {self.suggestion!r}?"
        return text

    def to_json(self) -> dict[str, str | None]:
        return {"location": self.location, "message": self.message, "suggestion": self.suggestion}


class CriteriaError(ValueError):
    """The criteria are invalid; `problems` lists every problem found, in document order."""

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._text())

    def in_source(self, source: str) -> CriteriaError:
        """Return the same error with `source` (such as the rule file's path) before each location."""
        return CriteriaError(
            [replace(problem, location=f"{source}, {problem.location}" if problem.location else source)
             for problem in self.problems]
        )  # fmt: skip

    def _text(self) -> str:
        if len(self.problems) == 1:
            return f"invalid criteria: {self.problems[0]}"
        lines = [f"invalid criteria ({len(self.problems)} problems):"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)
