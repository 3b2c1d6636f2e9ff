"""The recipe library: one JSON file per recipe in the data folder's `recipes/`.

Files are read and written on a worker thread (the GUI never waits on the disk). A file
that cannot be read is skipped with a logged sentence, never a crash.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from pathlib import Path

from backend.chamber.recipe import InvalidRecipe, Recipe, make_recipe

log = logging.getLogger(__name__)
SUFFIX = ".recipe.json"


def file_name(recipe_name: str) -> str:
    """A safe file name for a recipe name (letters, digits, `-_.` kept; the rest become `_`).

    When that changed the name, a short hash of the exact name is added, so two recipes
    whose names differ only in what was replaced ("bake out", "bake_out") never share a
    file: saving one must not overwrite the other.
    """
    base = re.sub(r"[^\w.-]+", "_", recipe_name.strip()).strip("._")
    if base != recipe_name:
        base = f"{base or 'recipe'}-{hashlib.sha1(recipe_name.encode('utf-8')).hexdigest()[:8]}"
    return base + SUFFIX


class RecipeLibrary:
    """Recipes saved as files in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_of(self, name: str) -> Path:
        return self.folder / file_name(name)

    async def save(self, recipe: Recipe) -> Path:
        return await asyncio.to_thread(self._save, recipe)

    async def load_all(self) -> list[Recipe]:
        return await asyncio.to_thread(self._load_all)

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self.path_of(name).unlink, True)

    def _save(self, recipe: Recipe) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path_of(recipe.name)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"name": recipe.name, "steps": recipe.pairs()}, indent=2), "utf-8")
        temporary.replace(path)
        return path

    def _load_all(self) -> list[Recipe]:
        recipes = []
        for path in sorted(self.folder.glob("*" + SUFFIX)):
            try:
                content = json.loads(path.read_text("utf-8"))
                recipes.append(make_recipe(content.get("name"), content.get("steps")))
            except (OSError, ValueError, AttributeError, InvalidRecipe) as error:
                log.warning("Recipe file %s is skipped: %s", path, error, extra={"source": "Chamber"})
        return recipes
