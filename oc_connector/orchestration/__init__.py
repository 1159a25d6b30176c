"""Dagster building blocks: resources, assets, checks and jobs (the app is ``pipelines/``)."""
