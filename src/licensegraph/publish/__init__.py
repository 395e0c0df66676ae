"""For publishers: `check` a model card before publishing, `choose` a license a derivative may carry."""
