from frameline.cli import main

main()
