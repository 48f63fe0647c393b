// orderhost's executable: see OrderHostApp.h for the commands.
#include "host/app/OrderHostApp.h"

POCO_SERVER_MAIN(orderhost::app::OrderHostApp)
