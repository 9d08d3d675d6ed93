from airgaplab.cli import main

main()
