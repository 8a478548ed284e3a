"""``GET /api/schema``: the job config's schema and its cross-field rules, from the backend."""

from gdviz.config import JobConfig


def test_schema_answers_the_config_and_its_rules(client):
    r = client.get("/api/schema")
    assert r.status_code == 200
    schema = r.json()
    assert set(schema) == {
        "job",
        "optimizer_knobs",
        "mode_optimizers",
        "model_losses",
        "model_modes",
        "lesson",
    }
    assert schema["job"] == JobConfig.model_json_schema()
    assert schema["job"]["properties"]["lr"]["exclusiveMinimum"] == 0
    assert schema["optimizer_knobs"] == {
        "sgd": [],
        "momentum": ["momentum"],
        "nesterov": ["momentum"],
        "adam": ["beta1", "beta2"],
        "rmsprop": ["alpha"],
        "adagrad": [],
    }
    six = ["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"]
    assert schema["mode_optimizers"] == {
        "manual": ["sgd"],
        **{mode: six for mode in ("sgd", "minibatch", "design", "linear")},
    }
    squared = ["mse", "sse", "rmse", "euclidean", "mae", "huber"]
    assert schema["model_losses"] == {
        "line": squared,
        "logistic": ["bce", "mse"],
        "poly": squared,
        "mlp": [*squared, "bce"],
    }
    five = ["manual", "sgd", "minibatch", "design", "linear"]
    assert schema["model_modes"] == {
        "line": five,
        "logistic": five,
        "poly": five,
        "mlp": ["manual", "sgd", "minibatch"],
    }


def test_schema_is_declared_in_openapi(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/schema"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/JobSchema")
