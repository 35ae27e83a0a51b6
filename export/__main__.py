import sys
import warnings

# torch 1.13 warns about things that do not concern a user of this tool (TypedStorage, tracer hints).
warnings.filterwarnings("ignore", category=UserWarning)

from .cli import main  # noqa: E402

sys.exit(main())
