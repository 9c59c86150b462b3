"""What the running services report: Prometheus metrics, OpenTelemetry traces and JSON access
logs with a request id, gathered per service in one `Telemetry` object."""
