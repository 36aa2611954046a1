# a harmless profile script: no finding
echo "welcome to the build image"
