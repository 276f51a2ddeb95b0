"""The application `sparkenv submit` runs in the activation tests: imports the
user's package from the environment on the driver, then bedapp.report.

    sparkenv submit --env ENV -- [spark-submit options] envreport.py OUT [PARTITIONS]
"""
import sys

from bedapp import report

if __name__ == "__main__":
    sys.exit(report.main(sys.argv[1:]))
