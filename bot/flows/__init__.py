"""One function per use case: each applies a change through the services and queues the notices
it causes in the same transaction. Handlers, the schedules and the CLI call these; nothing else
pairs a change with its notices."""
