"""Placeholder: the go-vcr YAML codec (being written)."""
from .cassette import Cassette


def loads_cassette(text: str) -> Cassette:
    raise NotImplementedError


def load_cassette(path) -> Cassette:
    raise NotImplementedError


def dumps_cassette(cassette: Cassette) -> str:
    raise NotImplementedError


def save_cassette(cassette: Cassette, path) -> None:
    raise NotImplementedError
