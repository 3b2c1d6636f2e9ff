"""What became of a command: the device's reply (or its absence) put into words for the operator.

Failures are values, not exceptions: every command returns a `CommandOutcome`, and its
`sentence` names the trainer, the command and what happened, ready for the panel and the
event log (STYLE.md: errors are values the operator can read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.trainer.wire_enums import Command, ErrorKind, RequestResult, name_of


@dataclass(frozen=True)
class CommandReply:
    """One seven-field REP message (`trainer.md` §3), read leniently: missing fields become defaults."""

    nonce: int
    command: int
    result: int
    data: Any = None
    error_kind: int = 0
    error_code: int = 0
    error_message: str | None = None

    @classmethod
    def from_payload(cls, payload: Any) -> CommandReply:
        """Build from a decoded reply or 6001 result; ValueError when it is not one."""
        if not isinstance(payload, dict):
            raise ValueError(f"a reply that is not a JSON object: {payload!r:.80}")
        try:
            return cls(
                nonce=int(payload.get("nonce", 0) or 0),
                command=int(payload.get("command", 0) or 0),
                result=int(payload.get("result", 0) or 0),
                data=payload.get("data"),
                error_kind=int(payload.get("errorKind", 0) or 0),
                error_code=int(payload.get("errorCode", 0) or 0),
                error_message=payload.get("errorMessage"),
            )
        except (TypeError, ValueError) as error:
            raise ValueError(f"a reply with a non-numeric field ({error})") from None

    @property
    def rejected_by_transport(self) -> bool:
        """Nonce 0: the device's transport answered on its own (unparseable, NONE, no command)."""
        return self.nonce == 0


OK_RESULTS = {RequestResult.SUCCESS, RequestResult.PENDING}


@dataclass(frozen=True)
class CommandOutcome:
    """The end of one command as the operator should read it."""

    trainer: str
    command: int
    result: int | None = None
    data: Any = None
    problem: str | None = None
    """Set when the command did not succeed: refused locally, unanswered, rejected or failed."""
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.result in OK_RESULTS

    @property
    def command_name(self) -> str:
        return name_of(Command, self.command)

    @property
    def result_name(self) -> str:
        return "no answer" if self.result is None else name_of(RequestResult, self.result)

    @property
    def sentence(self) -> str:
        head = f"Trainer '{self.trainer}': {self.command_name}"
        if self.problem:
            return f"{head} {self.problem}"
        if self.result == RequestResult.PENDING:
            return f"{head} was accepted; the trainer finishes it on its own"
        return f"{head} succeeded" + (f" ({_short(self.data)})" if self.data not in (None, {}, []) else "")

    @classmethod
    def from_reply(cls, trainer: str, command: int, reply: CommandReply) -> CommandOutcome:
        if reply.rejected_by_transport:
            return cls(trainer, command, reply.result, None, "was rejected by the trainer's transport (the request could not be read)")
        if reply.result in OK_RESULTS and reply.error_kind == ErrorKind.NONE:
            return cls(trainer, command, reply.result, reply.data)
        detail = f": {reply.error_message}" if reply.error_message else ""
        code = f" (error code {reply.error_code})" if reply.error_code else ""
        problem = f"{_result_words(reply.result)}{code}{detail}"
        return cls(trainer, command, reply.result, reply.data, problem, reply.error_message)


def _result_words(result: int) -> str:
    words = {
        RequestResult.UNRECOGNIZED: "is not recognised by the trainer",
        RequestResult.FAILED: "failed",
        RequestResult.EXCEPTION: "raised an error on the trainer",
        RequestResult.UNAVAILABLE: "is not available on the trainer right now",
        RequestResult.SUCCESS: "succeeded with an error report",
        RequestResult.PENDING_WITH_NOTIFICATION: "was accepted but its result never came",
    }
    try:
        return words[RequestResult(result)]
    except (KeyError, ValueError):
        return f"came back with unknown result {result}"


def _short(data: Any, limit: int = 80) -> str:
    text = repr(data)
    return text if len(text) <= limit else text[: limit - 1] + "…"
