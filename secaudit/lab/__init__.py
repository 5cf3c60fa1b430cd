"""Loopback lab: certificates and test sites for the test suite, the demo and the benchmarks."""
