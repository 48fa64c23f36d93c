"""Structured logging: JSON lines in production, readable lines in development.

Every line carries the request id bound by `RequestIdMiddleware`. The server's own loggers
(uvicorn, gunicorn, granian) go through the same processors and renderer:
`server_log_config` is the `logging.config.dictConfig` mapping each server is given.
"""

import logging
import sys
from contextvars import ContextVar
from typing import Any

import structlog

ERROR_LOGGERS = ("uvicorn", "uvicorn.error", "gunicorn.error", "_granian")
ACCESS_LOGGERS = ("uvicorn.access", "gunicorn.access", "granian.access")

# One context variable set per request, read only when a line is logged: cheaper than
# binding (and clearing) structlog's context variables on every request.
REQUEST_ID: ContextVar[bytes | None] = ContextVar("request_id", default=None)


def add_request_id(
    _logger: Any, _method: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id.decode())
    return event_dict


def _shared_processors() -> list[structlog.typing.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _render_processors(*, json: bool) -> list[structlog.typing.Processor]:
    if json:
        return [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    # Plain tracebacks: the default rich one renders every frame's locals, which took
    # seconds per error (blocking the worker) and copies request data into the log.
    return [
        structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    ]


def configure_logging(*, level: str, json: bool) -> None:
    structlog.configure(
        processors=[*_shared_processors(), *_render_processors(json=json)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        # One write per line: several worker processes share the stream.
        logger_factory=structlog.WriteLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def structured_formatter(*, json: bool) -> logging.Formatter:
    """A standard-library formatter that renders records like the service's own log lines."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_render_processors(json=json),
        ],
    )


def server_log_config(*, level: str, json: bool, access_log: bool) -> dict[str, Any]:
    """dictConfig for the server's loggers (and the root logger) with the service's format.

    Access loggers stay at WARNING unless `access_log`, so a request costs no log record.
    """

    def logger(enabled: bool) -> dict[str, Any]:
        return {
            "handlers": ["stderr"],
            "level": level if enabled else "WARNING",
            "propagate": False,
        }

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": f"{__name__}.structured_formatter", "json": json}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            **{name: logger(True) for name in ERROR_LOGGERS},
            **{name: logger(access_log) for name in ACCESS_LOGGERS},
        },
    }


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
