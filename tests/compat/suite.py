"""Runs a compatibility suite's cases in order and prints one line per case and a summary."""
import sys
import traceback


def main(cases, label):
    passed = failed = 0
    for case in cases:
        try:
            case()
            passed += 1
            print(f"ok {case.__name__}")
        except Exception:
            failed += 1
            print(f"FAIL {case.__name__}")
            traceback.print_exc()
    print(f"{label}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
