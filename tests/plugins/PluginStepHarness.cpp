#include "PluginStepHarness.h"

namespace orderhost::plugintests {
plugins::PluginRegistry* PluginStepTest::registry_ = nullptr;
}  // namespace orderhost::plugintests
