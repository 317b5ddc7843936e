# Included at the end of a corpus project's top-level CMakeLists.txt by
# tests/projects/check.sh. Adds softpatch_probe, a small program of the
# project's library for the live patch (SOFTPATCH_PROBE_SOURCE, linked with
# SOFTPATCH_PROBE_LIBRARY), and with SOFTPATCH_CORPUS_INSTRUMENT=ON
# instruments every library and executable the project defines — its
# libraries, its tests and the probe — as a user would:
#
#   find_package(softpatch CONFIG REQUIRED)
#   foreach(target IN LISTS targets)
#     softpatch_instrument(${target})
#   endforeach()
#
# The targets it instrumented are printed as "softpatch: instrumented: ...".
add_executable(softpatch_probe "${SOFTPATCH_PROBE_SOURCE}")
target_link_libraries(softpatch_probe PRIVATE ${SOFTPATCH_PROBE_LIBRARY})
set_target_properties(softpatch_probe PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")

if(SOFTPATCH_CORPUS_INSTRUMENT)
  find_package(softpatch CONFIG REQUIRED)
  # The targets defined in `dir` and below it, in the order of definition.
  function(softpatch_corpus_targets dir out)
    get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
    get_property(subdirectories DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    foreach(subdirectory IN LISTS subdirectories)
      softpatch_corpus_targets("${subdirectory}" below)
      list(APPEND targets ${below})
    endforeach()
    set(${out} ${targets} PARENT_SCOPE)
  endfunction()
  softpatch_corpus_targets("${CMAKE_SOURCE_DIR}" targets)
  set(instrumented "")
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      softpatch_instrument(${target})
      list(APPEND instrumented ${target})
    endif()
  endforeach()
  string(REPLACE ";" " " instrumented "${instrumented}")
  message(STATUS "softpatch: instrumented: ${instrumented}")
endif()
