"""Dependency updates: manifests checked against a package index and the OSV advisories, and each needed bump as a spec for the normal pipeline. (README.md lists the modules.)"""
