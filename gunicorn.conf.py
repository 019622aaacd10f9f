# Read by gunicorn when started from the project root (README, ./dev demo, benchmarks).
# The access log records paths without query strings: no personal value in a log (issue 8).
logger_class = "frontline.accesslog.PathOnlyLogger"
