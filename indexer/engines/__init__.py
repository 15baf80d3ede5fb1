"""Engine implementations behind `indexer.engine.Engine`: tantivy (embedded) and Elasticsearch.

Pick one with `indexer.engine.make_engine(settings)`; nothing else imports these modules.
"""
