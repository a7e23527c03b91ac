// Conformance suites (testSource, testEnricher, testSink) and test helpers land here.
export {};
