"""Provider tokens for the secret-gate attacks, generated at import from a seeded RNG (so no real
secret is ever in the source)."""

from __future__ import annotations

import random

from specpilot.pipeline.secrets.samples import sample

RNG = random.Random(14)

T = {
    fmt: sample(fmt, RNG).secret
    for fmt in (
        "github-pat",
        "github-fine-grained-pat",
        "gcp-api-key",
        "anthropic-api-key",
        "huggingface-token",
        "databricks-token",
        "digitalocean-pat",
        "shopify-access-token",
        "npm-token",
        "stripe-secret-key",
        "aws-access-key-id",
    )
}
