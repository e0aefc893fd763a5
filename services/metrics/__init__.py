# Marks the folder as a package so its tests get module names of their own under pytest.
