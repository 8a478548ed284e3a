# gdviz for a workshop: one process, CPU-only PyTorch, non-root, on 0.0.0.0:8000.
#   docker build -t gdviz .
#   docker run --rm -p 8000:8000 gdviz        # students open http://<this computer's address>:8000/
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp gdviz   # the same, on a read-only root
# Alone, jobs live in the memory of that one process (training runs in its threads), so it runs one
# worker. With GDVIZ_REDIS_URL, any number of containers (and --workers N in each) share the jobs:
#   docker run -d -p 8000:8000 -e GDVIZ_REDIS_URL=redis://<redis host>:6379/0 gdviz
# compose.yaml runs Redis, two replicas and a load balancer (README: "Serving a course").

FROM python:3.11-slim AS deps
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# torch first, in its own layer: the CPU build (~200 MB), not the multi-GB CUDA one
COPY constraints.txt ./
# (its C++ headers and test binaries are for building extensions, not for running: -190 MB;
# bin/torch_shm_manager stays, `import torch` checks for it)
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu \
        -c constraints.txt torch==2.13.0 \
 && rm -rf /opt/venv/lib/python3.11/site-packages/torch/include /opt/venv/lib/python3.11/site-packages/torch/test \
 && find /opt/venv/lib/python3.11/site-packages/torch/bin -type f ! -name torch_shm_manager -delete
# the app's runtime dependencies (no test extra), pinned by constraints.txt, in a layer of their own:
# it is rebuilt when pyproject.toml or constraints.txt change, not when the source does
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/requirements.txt \
 && pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu \
        -c constraints.txt -r /tmp/requirements.txt \
 && pip uninstall --yes pip

# then the source: an edit rebuilds only this stage and the image's last small layer. hatchling and
# pip, from a venv of their own, build the wheel and install it for /opt/venv's python in /opt/app
FROM deps AS build
RUN python -m venv /opt/build \
 && /opt/build/bin/pip install --no-cache-dir -c constraints.txt hatchling
COPY README.md ./
COPY backend ./backend
COPY frontend ./frontend
RUN /opt/build/bin/python -m hatchling build -t wheel -d /tmp/dist \
 && /opt/build/bin/pip --python /opt/venv/bin/python install --no-cache-dir --no-deps \
        --target /opt/app /tmp/dist/gdviz-*.whl

FROM python:3.11-slim
RUN groupadd --system --gid 10001 gdviz \
 && useradd --system --uid 10001 --gid gdviz --no-create-home --shell /usr/sbin/nologin gdviz
COPY --from=deps /opt/venv /opt/venv
COPY --from=build /opt/app /opt/app
ENV PATH=/opt/app/bin:/opt/venv/bin:$PATH \
    PYTHONPATH=/opt/app \
    PYTHONUNBUFFERED=1 \
    GDVIZ_HOST=0.0.0.0 \
    GDVIZ_PORT=8000
USER 10001:10001
EXPOSE 8000
# the slim image has no curl: ask /api/health with Python
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('GDVIZ_PORT', '8000'), timeout=2)"]
# uvicorn stops on SIGTERM within ~1 s, closing open event streams
CMD ["gdviz", "serve"]
