"""Referee client package. ``referee_client.protocol`` is the v1 wire schema."""

from referee_client import protocol

__all__ = ["protocol"]
