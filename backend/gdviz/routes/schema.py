"""What a client needs to build a job form: the config's JSON schema and the rules across fields."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..config import MODE_OPTIMIZERS, OPTIMIZER_KNOBS, JobConfig, Knob, Loss, Mode, Optimizer
from ..lessons import lesson_schema
from ..models import KINDS
from .responses import Guarded

router = APIRouter(prefix="/api", tags=["jobs"], route_class=Guarded)


class JobSchema(BaseModel):
    job: dict[str, Any] = Field(
        description="JSON schema of a job's config (POST /api/jobs): defaults, bounds, choices"
    )
    optimizer_knobs: dict[Optimizer, list[Knob]] = Field(
        description="the config fields each optimizer reads; the others are ignored"
    )
    mode_optimizers: dict[Mode, list[Optimizer]] = Field(
        description="the optimizers each mode allows"
    )
    model_losses: dict[str, list[Loss]] = Field(
        description="the losses each model kind takes, its default first"
    )
    model_modes: dict[str, list[Mode]] = Field(description="the modes each model kind trains in")
    lesson: dict[str, Any] = Field(description="JSON schema of a lesson file (version 1)")


SCHEMA = JobSchema(
    job=JobConfig.model_json_schema(),
    optimizer_knobs={name: list(knobs) for name, knobs in OPTIMIZER_KNOBS.items()},
    mode_optimizers={mode: list(names) for mode, names in MODE_OPTIMIZERS.items()},
    model_losses={kind: list(model.losses) for kind, model in KINDS.items()},
    model_modes={kind: list(model.modes) for kind, model in KINDS.items()},
    lesson=lesson_schema(),
)


@router.get("/schema", response_model=JobSchema)
async def read_schema() -> JobSchema:
    """A job config's fields, defaults and bounds, and which optimizers and knobs go together."""
    return SCHEMA
