"""The models gdviz fits, each one definition that the engine, the surface, the code generator,
the meta and the CLI ask: ``definition(config.model)``.

A new kind (part 2: ``{"kind": "mlp", …}``) is a ``ModelDef`` subclass in its own module and one
line below.
"""

from dataclasses import replace

import torch

from ..config import ConfigError, JobConfig, Line, Logistic, Mlp, ModelSpec, Poly, check_config
from ..data import Data, read, standardized
from ..uploads import UploadStore
from .base import Built, ModelCode, ModelDef, Optimum, curvature_of
from .line import LineDef, LogisticDef
from .mlp import MlpDef
from .poly import PolyDef

LINE, LOGISTIC = LineDef(), LogisticDef()


def definition(spec: ModelSpec) -> ModelDef:
    if isinstance(spec, Poly):
        return PolyDef(spec.degree)
    if isinstance(spec, Logistic):
        return LOGISTIC
    if isinstance(spec, Mlp):
        return MlpDef(tuple(spec.hidden), spec.activation)
    return LINE


def check(config: JobConfig) -> None:
    """The config's checks across fields, then its model's own (its losses, its start)."""
    check_config(config)
    definition(config.model).check(config)


def load(config: JobConfig, rng: torch.Generator, uploads: UploadStore | None = None) -> Data:
    """The job's data (an upload's from ``uploads``), standardized as its model does, and the
    checks that depend on it.

    Uploads are parsed and standardized in float64 and trained in float32, like everything else:
    Unix timestamps (~1.7·10⁹) in float32 are 128 apart, so casting first would merge most of them.
    """
    data = read(config, rng, uploads)
    model = definition(config.model)
    if config.standardize:
        data = standardized(data, y=model.standardizes(config))
    if data.x.dtype != torch.float32:
        data = replace(data, x=data.x.float(), y=data.y.float())
    model.check_data(data, config)
    if config.minibatch and config.batch_size > data.n:
        raise ConfigError(
            ("batch_size",),
            f"must be at most n = {data.n}, the number of data points",
            "batchOverN",
            n=data.n,
        )
    return data


# One of each kind, as the schema lists them (a polynomial of the default degree)
SPECS: tuple[ModelSpec, ...] = (
    Line(),
    Logistic(kind="logistic"),
    Poly(kind="poly"),
    Mlp(kind="mlp"),
)
KINDS: dict[str, ModelDef] = {spec.kind: definition(spec) for spec in SPECS}


__all__ = [
    "KINDS",
    "Built",
    "LineDef",
    "LogisticDef",
    "MlpDef",
    "ModelCode",
    "ModelDef",
    "Optimum",
    "PolyDef",
    "check",
    "curvature_of",
    "definition",
    "load",
]
