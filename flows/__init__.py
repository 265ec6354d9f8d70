"""Prefect 3 orchestration of the eventextract library (installed as ``eventextract_flows``).

``flow.py`` holds the flow and its tasks (each a thin call into ``eventextract.pipeline``);
``deployment.py`` serves it on a cron schedule against a local Prefect server.
"""
