"""The models gdviz fits, each one definition that the engine, the surface, the code generator,
the meta and the CLI ask: ``definition(config.model)``.

A new kind (part 2: ``{"kind": "mlp", …}``) is a ``ModelDef`` subclass in its own module and one
line below.
"""

from ..config import Line, Logistic, ModelSpec, Poly
from .base import Built, ModelCode, ModelDef, Optimum, curvature_of
from .line import LineDef, LogisticDef
from .poly import PolyDef

LINE, LOGISTIC = LineDef(), LogisticDef()


def definition(spec: ModelSpec) -> ModelDef:
    if isinstance(spec, Poly):
        return PolyDef(spec.degree)
    if isinstance(spec, Logistic):
        return LOGISTIC
    return LINE


# One of each kind, as the schema lists them (a polynomial of the default degree)
SPECS: tuple[ModelSpec, ...] = (Line(), Logistic(kind="logistic"), Poly(kind="poly"))
KINDS: dict[str, ModelDef] = {spec.kind: definition(spec) for spec in SPECS}


__all__ = [
    "KINDS",
    "Built",
    "LineDef",
    "LogisticDef",
    "ModelCode",
    "ModelDef",
    "Optimum",
    "PolyDef",
    "curvature_of",
    "definition",
]
