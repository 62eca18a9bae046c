"""Feature names as opaque keys, so a shipped model file holds no text of the corpus it learnt from.

The training corpus (PTC) is research-only: its sentences must not ship with
the product, yet feature names such as `whole=<a whole propaganda span>` or a
CRF attribute `bi[-1]=<two words>` are its text.  Models therefore store the
first 8 bytes of each name's BLAKE2b digest, in hex; inference hashes the names
it computes the same way, so the weights and the scores are unchanged.  At
2^64 keys a collision among a few hundred thousand names is vanishingly rare;
`FeatureVocabulary.fit` refuses one rather than merge two features silently.
"""

from __future__ import annotations

from hashlib import blake2b

KEY_FORMAT = "blake2b-64-hex"
_CACHE_SIZE = 1 << 18
_cache: dict[str, str] = {}  # the same words come back sentence after sentence: hash each once


def feature_key(name: str) -> str:
    key = _cache.get(name)
    if key is None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        key = _cache[name] = blake2b(name.encode("utf-8"), digest_size=8).hexdigest()
    return key


def crf_attributes(item: dict[str, float | str]) -> dict[str, float]:
    """A CRFsuite item with hashed attribute names (`name:value` for a string value, as CRFsuite spells it)."""
    attributes: dict[str, float] = {}
    for name, value in item.items():
        if isinstance(value, str):
            attributes[feature_key(name + ":" + value)] = 1.0
        else:
            attributes[feature_key(name)] = float(value)
    return attributes
