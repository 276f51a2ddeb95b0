# Written by sparkenv as __main__.py at the root of a launcher, the .jar
# `sparkenv submit` gives spark-submit in standalone cluster mode
# (docs/spark.md). The worker downloads it into the driver's folder, and
# Spark's PythonRunner runs `python <launcher>.jar ARGS...` there. This
# unpacks the launcher beside itself (the same archive is the executors'
# bootstrap folder), then hands over to sparkenv._launch from that folder.
import os
import sys


def _sparkenv_launch():
    import zipfile

    jar = os.path.abspath(sys.argv[0])
    boot_dir = os.path.splitext(jar)[0]
    if not os.path.isdir(boot_dir):
        tmp = "%s.tmp.%d" % (boot_dir, os.getpid())
        with zipfile.ZipFile(jar) as z:
            for name in z.namelist():
                parts = name.replace("\\", "/").split("/")
                if name.startswith("/") or ".." in parts:
                    sys.exit("sparkenv: %s: unsafe entry %r" % (jar, name))
            z.extractall(tmp)
        os.rename(tmp, boot_dir)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != jar]
    sys.path.insert(0, boot_dir)
    from sparkenv import _launch

    return _launch.main(boot_dir, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(_sparkenv_launch())
