"""`aigw-conformance load`: authentication under load, driven by Locust (issue 17).

    model.py / loader.py     the workloads file (suites/load/workloads.yaml): validated, located errors
    settings.py              command-line overrides and the low-rate caps for external targets
    plan.py                  one workload -> a Locust plan (URLs, headers with the broker's tokens, rates)
    processes.py             Locust master and workers as subprocesses (gevent never enters this process)
    locust_side/locustfile.py   the Locust side: user classes, network guard, request records
    orchestrate.py           one workload: mint, plan, start, revoke on time, collect
    records.py / verdicts.py the records as values; pure judgement per workload kind
    charts.py / report.py    SVG latency charts; conformance.json `load` section, allure results, summary
    run.py / workers.py      a whole run (this machine), and workers for a master elsewhere
    centre.py                the one contact with the harness centre: target, broker, redactor, run id

Nothing here imports Locust; only the locustfile does, inside Locust's own processes.
"""
