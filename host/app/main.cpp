// orderhost's executable: see OrderHostApp.h for the commands.
#include "host/app/OrderHostApp.h"

#include <iostream>  // POCO_SERVER_MAIN reports exceptions on std::cerr

POCO_SERVER_MAIN(orderhost::app::OrderHostApp)
