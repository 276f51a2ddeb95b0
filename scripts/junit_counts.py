"""Prints 'passed failed skipped' for a JUnit XML file (pytest or GoogleTest)."""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failures = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failures += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0)) + int(s.get("disabled", 0))
print(tests - failures - skipped, failures, skipped)
