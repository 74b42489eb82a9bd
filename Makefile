# siyi — two commands from a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SIYI := $(VENV)/bin/siyi
PYTHON ?= python3

.PHONY: demo test lint format samples docs bench bench-sample clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.bench: $(VENV)/.base
	$(PY) -m pip install -q -e ".[bench]"
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(PY) -m pip install -q -e ".[test]"
	touch $@

demo: $(VENV)/.base
	rm -rf demo
	$(SIYI) init demo --sample
	cp -r samples/campaign/returned/. demo/returned/2022Q3/
	cp -r samples/campaign/evaluations samples/campaign/public samples/campaign/history demo/
	$(SIYI) issue demo
	$(SIYI) run demo --quiet || [ $$? -eq 1 ]
	$(SIYI) status demo
	$(SIYI) remind demo
	$(SIYI) score demo || [ $$? -eq 1 ]
	$(SIYI) report demo
	$(SIYI) bulletin demo --period 2022Q3
	$(SIYI) publish demo || [ $$? -eq 1 ]
	@echo ""
	@echo "演示完成。结果在：$(CURDIR)/demo/output/2022Q3/（汇总台账.xlsx、领导汇总.xlsx、校验报告.xlsx、退回件/、催报通知.xlsx、考评结果.xlsx、督导检查专报.xlsx、通报_2022Q3.xlsx，发布/ 里是 PDF、公开版和领导看板.html）；下发的填报表在 demo/issued/2022Q3/。"

lint: $(VENV)/.test
	$(VENV)/bin/ruff check siyi_xlsx tests samples benchmarks

format: $(VENV)/.test
	$(VENV)/bin/ruff format siyi_xlsx tests samples benchmarks

test: $(VENV)/.test lint
	$(PY) -m pytest -q -n auto --dist loadgroup

samples: $(VENV)/.base
	$(PY) samples/make_samples.py

docs: $(VENV)/.base
	$(SIYI) docs > docs/格式说明.md

# a generated 1000-unit campaign (cached in benchmarks/.cache/); BENCH_ARGS="--units 1000 8000 --write"
BENCH_ARGS ?= --units 1000
bench: $(VENV)/.bench
	$(PY) benchmarks/bench_scale.py $(BENCH_ARGS)

bench-sample: $(VENV)/.base
	$(PY) benchmarks/bench_run.py

clean:
	rm -rf $(VENV) demo .pytest_cache .ruff_cache
