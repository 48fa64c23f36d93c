"""Your settings: the fields of `ExtensionSettings` are fields of the service's `Settings`.

They are read from the environment and `.env` like the service's own (a field `greeting`
from `GREETING`), checked at start, and reach your code with the settings:

    greeting: str = "hello"
    partner_api_url: str = "https://partner.example"
"""

from pydantic_settings import BaseSettings


class ExtensionSettings(BaseSettings):
    """Settings of your own; `core/settings.py`'s `Settings` derives from this class."""
