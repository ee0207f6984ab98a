import sys

from livermdt.cli.main import main

sys.exit(main())
