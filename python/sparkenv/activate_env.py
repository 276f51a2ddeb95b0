"""The classic entry point: activate a sparkenv environment, then run the
application.

    spark-submit [options] --py-files sparkenv.zip activate_env.py ENV \\
        package.module[:function] [args...]

`sparkenv python-package -o DIR` writes this file and DIR/sparkenv.zip (the
package); with `pip install sparkenv` on the driver, --py-files is not
needed. See sparkenv/_entry.py.
"""
import os
import sys


def _import_sparkenv():
    try:
        import sparkenv  # noqa: F401  (pip-installed, or --py-files sparkenv.zip)
        return
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "sparkenv.zip"), here, os.path.dirname(here)):
        if os.path.exists(os.path.join(candidate, "sparkenv")) or candidate.endswith(".zip"):
            if os.path.exists(candidate):
                sys.path.insert(1, candidate)
                try:
                    import sparkenv  # noqa: F401
                    return
                except ImportError:
                    sys.path.remove(candidate)
    sys.exit("activate_env.py: cannot import sparkenv: pass --py-files sparkenv.zip "
             "(written by 'sparkenv python-package -o DIR') or pip install it on the driver")


if __name__ == "__main__":
    _import_sparkenv()
    from sparkenv import _entry
    code = _entry.main(sys.argv[1:])
    sys.exit(code if isinstance(code, int) else 0 if code is None else 1)
