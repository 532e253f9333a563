"""Referee service: the FastAPI app, the job queue and the workers that judge items."""

from referee_service.app import create_app
from referee_service.settings import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
