"""`crawl --card-text`: README bodies and adapter configs of models that declare no base
model, read from the fake Hub on 127.0.0.1 (opt-in, counted, rate-limited), stored for
hidden-lineage discovery."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from licensegraph.api.crawl import crawl
from licensegraph.cli import app
from licensegraph.sources.hub_client import HubClient
from licensegraph.sources.hub_crawl import CrawlOptions
from licensegraph.store.db import Store

GGUF = "q/Llama-2-7B-Chat-GGUF"
LORA = "me/support-bot-lora"
DECLARED = "x/llama-2-7b-finetune"
GATED = "g/gated-model"
BARE = "n/no-readme"
LLAMA = "meta-llama/Llama-2-7b-chat-hf"

GGUF_README = f"""---
license: mit
tags: [gguf]
---
# Llama 2 7B Chat - GGUF

This repo contains GGUF format model files for [Meta's Llama 2 7B Chat](https://huggingface.co/{LLAMA}).
"""
ADAPTER = {"base_model_name_or_path": "mistralai/Mistral-7B-v0.1", "peft_type": "LORA", "r": 16}


def _item(model_id: str, when: str, card: dict | None = None, **extra) -> dict:
    item = {"id": model_id, "author": model_id.split("/")[0], "sha": f"sha-{model_id.replace('/', '-')}",
            "createdAt": "2025-01-01T00:00:00.000Z", "lastModified": when, "private": False, "gated": False,
            "disabled": False, "downloads": 1, "likes": 0, "library_name": None, "pipeline_tag": "text-generation",
            "tags": [f"license:{(card or {}).get('license', 'mit')}"], "cardData": card or {"license": "mit"}}
    item.update(extra)
    return item


def _stock(hub) -> None:
    hub.put(_item(LLAMA, "2025-01-05T00:00:00.000Z", {"license": "llama2"}))
    hub.put(_item(GGUF, "2025-01-06T00:00:00.000Z", {"license": "mit", "tags": ["gguf"]}))
    hub.put(_item(LORA, "2025-01-07T00:00:00.000Z", {"license": "apache-2.0"}, library_name="peft"))
    hub.put(_item(DECLARED, "2025-01-08T00:00:00.000Z", {"license": "llama2", "base_model": "meta-llama/Llama-2-7b-hf"}))
    hub.put(_item(GATED, "2025-01-09T00:00:00.000Z", gated="manual"))
    hub.put(_item(BARE, "2025-01-10T00:00:00.000Z"))
    hub.files[(GGUF.lower(), "README.md")] = GGUF_README.encode()
    hub.files[(LLAMA.lower(), "README.md")] = b"---\nlicense: llama2\n---\n# Llama 2\n"
    hub.files[(LORA.lower(), "README.md")] = b"# support bot\n\nA LoRA adapter.\n"
    hub.files[(LORA.lower(), "adapter_config.json")] = json.dumps(ADAPTER).encode()
    hub.files[(DECLARED.lower(), "README.md")] = b"# never asked for: the card declares its base\n"
    hub.files[(GATED.lower(), "README.md")] = b"# behind the gate\n"
    hub.gated_files.add(GATED.lower())


class SteppingClock:
    """monotonic() and sleep() for the client's rate limit: sleeping moves the time on."""

    def __init__(self):
        self.now = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _client(clock, rate: float = 0) -> HubClient:
    return HubClient(page_size=100, timeout=0.5, sleep=clock.sleep, file_rate=rate)


def _files_asked(hub) -> list[str]:
    return sorted(r.path for r in hub.requests if r.endpoint == "file")


def test_without_the_option_no_file_is_read(empty_hub, clock, tmp_path):
    _stock(empty_hub)
    store = Store(tmp_path / "plain.duckdb")
    report = crawl(store, client=_client(clock))
    assert report.records == 6 and not report.card_text and report.card_texts == 0
    assert _files_asked(empty_hub) == []
    assert store.scalar("SELECT count(*) FROM models WHERE card_text IS NOT NULL OR configs IS NOT NULL") == 0


def test_card_text_reads_readmes_and_adapter_configs_of_models_without_a_base(empty_hub, clock, tmp_path):
    _stock(empty_hub)
    store = Store(tmp_path / "text.duckdb")
    report = crawl(store, client=_client(clock), card_text=True)
    # only models that declare no base; the adapter config only for the PEFT repo; at the crawled sha
    assert _files_asked(empty_hub) == sorted(
        [f"/{m}/resolve/sha-{m.replace('/', '-')}/README.md" for m in (LLAMA, GGUF, LORA, GATED, BARE)]
        + [f"/{LORA}/resolve/sha-{LORA.replace('/', '-')}/adapter_config.json"])
    assert (report.card_texts, report.card_texts_unavailable, report.adapter_configs,
            report.adapter_configs_unavailable) == (3, 2, 1, 0)  # gated (403) and no README (404)
    assert report.requests == 1 + 6  # one listing page and six files, all counted
    texts = dict(store.execute("SELECT id, card_text FROM models WHERE card_text IS NOT NULL").fetchall())
    assert set(texts) == {LLAMA, GGUF, LORA} and texts[GGUF] == GGUF_README
    assert json.loads(store.scalar("SELECT CAST(configs AS VARCHAR) FROM models WHERE id = ?", [LORA])) == {
        "adapter_config.json": ADAPTER}
    # discovery ran on what was stored: the GGUF's Llama 2 parent from its README, the adapter's base
    edges = {(c, p, s) for c, p, s in store.execute(
        "SELECT child_id, parent_id, source FROM inferred_edges WHERE used").fetchall()}
    assert (GGUF, LLAMA, "card_text") in edges
    assert (LORA, "mistralai/Mistral-7B-v0.1", "config") in edges


def test_file_reads_are_rate_limited_and_retried(empty_hub, clock, tmp_path):
    _stock(empty_hub)
    empty_hub.script("500", on="file", nth=2)  # one failing file read: retried by the backoff
    stepping = SteppingClock()
    client = HubClient(page_size=100, timeout=0.5, sleep=stepping.sleep, monotonic=stepping.monotonic, file_rate=4)
    report = crawl(Store(tmp_path / "rate.duckdb"), client=client, card_text=True)
    assert report.card_texts == 3 and empty_hub.count("file", fault=True) == 1
    # six files at 4 per second: five waits of a quarter second between them, none before the first
    assert stepping.waits == [0.25] * 5 and report.file_wait_seconds == 1.25


def test_unchanged_models_keep_their_text_without_asking_again(empty_hub, clock, tmp_path):
    _stock(empty_hub)
    store = Store(tmp_path / "again.duckdb")
    crawl(store, client=_client(clock), card_text=True)
    asked = len(_files_asked(empty_hub))
    # a full listing again, even without --card-text: same sha, so the stored text is kept, not refetched
    report = crawl(store, CrawlOptions(full=True), client=_client(clock))
    assert len(_files_asked(empty_hub)) == asked and report.card_texts_kept == 3  # the 3 models with a README (one also with its adapter config)
    assert report.updated == 0 and report.unchanged == 6
    assert store.scalar("SELECT count(*) FROM models WHERE card_text IS NOT NULL") == 3
    # a new revision is read again
    empty_hub.modify(GGUF, "2025-02-01T00:00:00.000Z")
    empty_hub.files[(GGUF.lower(), "README.md")] = b"# now a plain card\n"
    report = crawl(store, client=_client(clock), card_text=True)
    assert report.card_texts == 1 and report.updated == 1
    assert store.scalar("SELECT card_text FROM models WHERE id = ?", [GGUF]) == "# now a plain card\n"


def test_cli_card_text_prints_the_counts(empty_hub, clock, tmp_path):
    _stock(empty_hub)
    runner = CliRunner()
    db = str(tmp_path / "cli.duckdb")
    out = runner.invoke(app, ["crawl", "--db", db, "--card-text", "--card-text-rate", "1000"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())  # as wrapped to the terminal's width
    assert "card text (models declaring no base model): 3 READMEs stored, 2 without a readable README" in text
    assert "1 adapter configs" in text
    data = json.loads(runner.invoke(app, ["crawl", "--db", db, "--json", "--full"]).output)
    assert data["card_texts_kept"] == 3 and data["card_texts"] == 0
    usage = runner.invoke(app, ["crawl", "--db", db, "--card-text-rate", "2"])
    assert usage.exit_code == 2 and "--card-text-rate goes with --card-text" in usage.output
