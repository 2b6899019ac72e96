"""The transformation in cloud mode: before ``bridge.cloud.transform`` and before ``send``'s mapping.

Kept here rather than in bridge.cloud so that the contract lives in one package; bridge.cloud imports
it only when a transformation is given (this module imports nothing of cloud mode).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..core._types import JSONObject
from ..errors import EventError
from ._runtime import Outcome, Transformation

__all__ = ["LOGGER", "as_transformation", "transform_with", "cloud_step", "send_step"]

# Library callers (bridge.cloud.transform) get the transformation's lines through logging: log() and
# the debug lines at INFO and DEBUG, the warnings at WARNING.
LOGGER = logging.getLogger("bridge.transformation")


def as_transformation(transformation: Transformation | str | Path) -> Transformation:
    """A Transformation as given, or loaded from a path (with the default policy and time limit)."""
    return transformation if isinstance(transformation, Transformation) else Transformation.load(transformation)


def transform_with(
    message: object, config: Any, transformation: Transformation | str | Path, mapping: Callable[[Any, Any], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``mapping``'s outputs for each message the transformation makes of ``message``, in order.

    A filtered message gives no outputs; a failure (under ``drop``) raises
    :class:`~bridge.errors.EventError` ``transformation: <why>``, as any message the mapping refuses.
    """
    [outcome] = as_transformation(transformation).run([message], "cloudMode")
    for line in outcome.logs:
        LOGGER.info(line)
    for line in outcome.debug:
        LOGGER.debug(line)
    for line in outcome.warnings:
        LOGGER.warning(line)
    if outcome.error is not None:
        raise EventError(f"transformation: {outcome.error}")
    return [output for transformed in outcome.messages for output in mapping(transformed, config)]


def cloud_step(transformation: Transformation, out: TextIO | None = None) -> Callable[[Sequence[JSONObject]], list[Outcome]]:
    """``send``'s step before the mapping: one Outcome per message (messages, error, warnings), in order.

    The transformation's ``log()`` lines go to ``out`` (standard error by default), the run's output;
    the warnings are the pipeline's to print and count.
    """

    def step(messages: Sequence[JSONObject]) -> list[Outcome]:
        outcomes = transformation.run(list(messages), "cloudMode")
        stream = out if out is not None else sys.stderr
        for outcome in outcomes:
            for line in outcome.logs:
                print(line, file=stream)
        return outcomes

    return step


def send_step(settings: Any, out: TextIO | None = None) -> Callable[[Sequence[JSONObject]], list[Any]]:
    """``clevertap-bridge send``'s Expand hook (bridge.cloud.Expand) for the transformation ``settings``
    name: one Expansion per message. Its log() lines and warnings go to ``out`` (standard error), the
    run's output; the pipeline counts the warnings and writes a failed line ``transformation: <error>``."""
    from ..cloud import Expansion

    transformation = Transformation.from_settings(settings)
    if transformation is None:
        raise ValueError("the settings name no transformation")
    step = cloud_step(transformation, out)

    def expand(messages: Sequence[JSONObject]) -> list[Any]:
        stream = out if out is not None else sys.stderr
        expansions = []
        for outcome in step(messages):
            for line in outcome.warnings:
                print(f"warning: {line}", file=stream)
            expansions.append(Expansion(outcome.messages, outcome.error, outcome.warnings))
        return expansions

    return expand
