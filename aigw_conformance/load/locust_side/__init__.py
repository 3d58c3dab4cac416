"""The locustfile and nothing else: Locust puts this folder on sys.path when it loads the file."""
