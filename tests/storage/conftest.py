from tests.storage.dbfixtures import database_url, engine, services

__all__ = ["database_url", "engine", "services"]
